public import HTTPTypes
public import RoomlogCore

extension ErrorCode {
    /// The HTTP status that answers this code.
    public var status: HTTPResponse.Status {
        switch self {
        case .badRequest, .badFrame, .invalidName, .invalidPassword, .invalidBody, .invalidId, .invalidTopic: .badRequest
        case .unauthorized, .badCredentials: .unauthorized
        case .originRefused, .notAMember: .forbidden
        case .roomNotFound, .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .nameTaken, .roomExists, .limitReached, .sessionNotExpired: .conflict
        case .unsupportedMediaType: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .internalError: .internalServerError
        case .unavailable, .notReady: .serviceUnavailable
        }
    }
}
