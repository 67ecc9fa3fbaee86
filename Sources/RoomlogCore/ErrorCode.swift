/// Every error code of `PROTOCOL.md`, as clients see it in `{"error":{"code"}}` and in WebSocket error frames.
/// The gateway maps each to its HTTP status; the core only names them.
public enum ErrorCode: String, Sendable, CaseIterable {
    /// A request body, a query parameter or a path that is not what the route takes.
    case badRequest = "bad_request"
    /// A WebSocket frame that is not JSON, has no or an unknown type, or lacks a field or has one of the wrong type.
    case badFrame = "bad_frame"
    /// A user or room name outside its rules.
    case invalidName = "invalid_name"
    /// A password outside its length.
    case invalidPassword = "invalid_password"
    /// A message body that is empty, too long, or not valid text.
    case invalidBody = "invalid_body"
    /// A client message id outside its rules.
    case invalidId = "invalid_id"
    /// A topic over its length.
    case invalidTopic = "invalid_topic"
    /// No valid session: none given, unknown, logged out or expired.
    case unauthorized
    /// An unknown user or a wrong password.
    case badCredentials = "bad_credentials"
    /// An `Origin` that may not open a WebSocket or send a cookie-authenticated POST here.
    case originRefused = "origin_refused"
    /// Posting to a room the user is not a member of.
    case notAMember = "not_a_member"
    /// A room that does not exist.
    case roomNotFound = "room_not_found"
    /// A route that does not exist.
    case notFound = "not_found"
    /// A method the route does not take.
    case methodNotAllowed = "method_not_allowed"
    /// A user name that is registered already.
    case nameTaken = "name_taken"
    /// A room name that is taken already.
    case roomExists = "room_exists"
    /// A limit of what a user may hold, such as the rooms a user is in.
    case limitReached = "limit_reached"
    /// An expiry asked of a session that has not expired (internal to the expiry sweep).
    case sessionNotExpired = "session_not_expired"
    /// A cookie-authenticated request body that is not `application/json`.
    case unsupportedMediaType = "unsupported_media_type"
    /// A request over a rate limit; the message names the limit and when to retry.
    case rateLimited = "rate_limited"
    /// A failure of the server; the request may be retried.
    case internalError = "internal_error"
    /// The server cannot take the request now (its queues are full, or it is shutting down); retry.
    case unavailable
    /// This gateway's tail is behind the log's head (readiness).
    case notReady = "not_ready"
}
