import NIOWebSocket

/// The WebSocket close codes of `PROTOCOL.md`, by name.
extension WebSocketErrorCode {
    /// 1001: the server is shutting down.
    static let serverShuttingDown = WebSocketErrorCode.goingAway
    /// 1009: a message over the frame limit.
    static let messageOverLimit = WebSocketErrorCode.messageTooLarge
    /// 1013: the client read too slowly and its outbox overflowed; reconnect and resume with `after`.
    static let slowReader = WebSocketErrorCode(codeNumber: 1013)
    /// 1008: nothing, not even a pong, arrived for two ping intervals.
    static let silentPeer = WebSocketErrorCode.policyViolation
    /// 4001: the session was logged out or expired.
    static let sessionClosed = WebSocketErrorCode(codeNumber: 4001)
}
