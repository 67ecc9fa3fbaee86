import Hummingbird
import RoomlogCore

/// An error answer of the HTTP API: a status and `{"error":{"code","message"}}`.
public struct APIError: Error, Equatable, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The protocol's snake_case code.
    public let code: String
    /// Human text.
    public let message: String

    /// An error answer.
    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// 400 `bad_request` saying `message`.
    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    /// 401 `unauthorized`.
    public static let unauthorized = APIError(.unauthorized, "unauthorized", RoomlogError.unauthorized.message)
    /// 429 `rate_limited`.
    public static let rateLimited = APIError(.tooManyRequests, "rate_limited", "too many requests; slow down")

    /// The answer for a domain error.
    public init(_ error: RoomlogError) {
        let status: HTTPResponse.Status
        switch error {
        case .invalidName, .invalidPassword, .invalidBody, .invalidId, .invalidTopic: status = .badRequest
        case .nameTaken, .roomExists: status = .conflict
        case .badCredentials, .unauthorized: status = .unauthorized
        case .roomNotFound: status = .notFound
        case .notAMember: status = .forbidden
        case .sessionNotExpired: status = .conflict
        }
        self.init(status, error.code, error.message)
    }

    /// `{"error":{"code","message"}}`.
    var body: [UInt8] {
        var error = JSONWriter()
        error.string("code", code)
        error.string("message", message)
        var body = JSONWriter()
        body.raw("error", error.finish())
        return body.finish()
    }

    /// The response.
    public var response: Response {
        JSONResponse.make(status, body)
    }
}

/// JSON responses.
public enum JSONResponse {
    /// A response with `json` as its body.
    public static func make(_ status: HTTPResponse.Status, _ json: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}
