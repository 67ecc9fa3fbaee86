public import Hummingbird
public import RoomlogCore

/// An error answer of the HTTP API: the status of its code (unless overridden) and
/// `{"error":{"code","message"}}`. Routes throw it; it renders itself.
public struct APIError: HTTPResponseError, Equatable, Sendable {
    /// The protocol's code.
    public let code: ErrorCode
    /// Human text; a refusal by a limit names the limit.
    public let message: String
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// Seconds after which a refused request may succeed (`Retry-After`), for rate limits.
    public let retryAfterSeconds: Int?

    /// An error answer with `code`'s status unless `status` is given.
    public init(_ code: ErrorCode, _ message: String, status: HTTPResponse.Status? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status ?? code.status
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The answer for a domain error, its message built from the limits in force.
    public init(_ error: RoomlogError, _ limits: Limits) {
        self.init(error.code, error.message(limits))
    }

    /// 400 `bad_request` saying `message`.
    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    /// 401 `unauthorized`.
    public static let unauthorized = APIError(.unauthorized, "no valid session; log in")

    /// `{"error":{"code","message"}}`.
    var body: [UInt8] {
        var error = JSONWriter()
        error.string("code", code.rawValue)
        error.string("message", message)
        var body = JSONWriter()
        body.raw("error", error.finish())
        return body.finish()
    }

    /// The response.
    public var response: Response {
        var response = JSONResponse.make(status, body)
        if let retryAfterSeconds { response.headers[.retryAfter] = "\(retryAfterSeconds)" }
        return response
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response
    }
}

/// JSON responses.
public enum JSONResponse {
    /// A response with `json` as its body.
    public static func make(_ status: HTTPResponse.Status, _ json: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}
