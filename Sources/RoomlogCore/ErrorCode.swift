/// Every error code of `PROTOCOL.md`, as clients see it in `{"error":{"code"}}` and in WebSocket error frames.
/// The gateway maps each to its HTTP status; the core only names them.
public enum ErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case badFrame = "bad_frame"
    case invalidName = "invalid_name"
    case invalidPassword = "invalid_password"
    case invalidBody = "invalid_body"
    case invalidId = "invalid_id"
    case invalidTopic = "invalid_topic"
    case unauthorized
    case badCredentials = "bad_credentials"
    case originRefused = "origin_refused"
    case notAMember = "not_a_member"
    case roomNotFound = "room_not_found"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case nameTaken = "name_taken"
    case roomExists = "room_exists"
    case limitReached = "limit_reached"
    case sessionNotExpired = "session_not_expired"
    case unsupportedMediaType = "unsupported_media_type"
    case rateLimited = "rate_limited"
    case internalError = "internal_error"
    case unavailable
    case notReady = "not_ready"
}
