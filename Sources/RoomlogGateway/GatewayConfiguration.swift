import RoomlogCore

/// How a gateway listens and the limits it enforces, with the protocol's defaults.
public struct GatewayConfiguration: Sendable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port (0 picks a free one).
    public var port = 8080
    /// Origins allowed to open a WebSocket besides the request's own host.
    public var allowedOrigins: [String] = []
    /// Proxies whose `X-Forwarded-For` names the client address.
    public var trustedProxies: [String] = []
    /// Whether the session cookie carries `Secure` (behind a TLS proxy).
    public var secureCookies = false
    /// The largest request body, in bytes.
    public var requestBodyBytesMax = 64 * 1024
    /// The largest WebSocket message from a client, in bytes after reassembly (and inflation).
    public var frameBytesMax = 16_384
    /// How many bytes may wait unsent to one WebSocket client before it is closed with 1013.
    public var outboxBytesMax = 256 * 1024
    /// The kernel send buffer of each WebSocket, in bytes; nil leaves it to the kernel's autotuning (up to
    /// `net.ipv4.tcp_wmem`). With the outbox, it bounds what one slow reader can hold before 1013.
    public var socketSendBufferBytes: Int?
    /// The history page size when none is given, in events.
    public var historyPageEventsDefault = 100
    /// The largest history page, in events.
    public var historyPageEventsMax = 500
    /// Events a catching-up subscription reads and sends per event-loop tick.
    public var catchUpPageEventsMax = 500
    /// Messages a session may send per second, sustained.
    public var sendsPerSecond = 20.0
    /// Messages a session may send at once.
    public var sendBurstMessages = 40.0
    /// Login attempts per user name, and separately per client address, in `loginWindowMilliseconds`.
    public var loginAttemptsMax = 10
    /// The sliding window of the login limit, in milliseconds.
    public var loginWindowMilliseconds: Int64 = 60_000
    /// The most user names and addresses the login limiter remembers.
    public var loginLimiterKeysMax = 100_000
    /// How often expired sessions are closed, in milliseconds.
    public var expirySweepMilliseconds: Int64 = 30_000
    /// How far this gateway's tail may trail the head and still be ready, in milliseconds.
    public var readyLagMilliseconds: Int64 = 1000

    /// The defaults.
    public init() {}

    /// Checks every value; throws `GatewayConfigurationError` naming the first bad one.
    public func validate() throws {
        func require(_ condition: Bool, _ name: String) throws {
            if !condition { throw GatewayConfigurationError(name: name) }
        }
        try require((0...65535).contains(port), "port")
        try require(requestBodyBytesMax >= 1024, "requestBodyBytesMax")
        try require(frameBytesMax >= 128, "frameBytesMax")
        try require(outboxBytesMax >= 4096, "outboxBytesMax")
        try require(historyPageEventsDefault >= 1 && historyPageEventsDefault <= historyPageEventsMax, "historyPageEventsDefault")
        try require(catchUpPageEventsMax >= 1, "catchUpPageEventsMax")
        try require(sendsPerSecond > 0, "sendsPerSecond")
        try require(sendBurstMessages >= 1, "sendBurstMessages")
        try require(loginAttemptsMax >= 1, "loginAttemptsMax")
        try require(loginWindowMilliseconds >= 1000, "loginWindowMilliseconds")
        try require(loginLimiterKeysMax >= 1, "loginLimiterKeysMax")
        try require(expirySweepMilliseconds >= 1000, "expirySweepMilliseconds")
        try require(readyLagMilliseconds >= 1, "readyLagMilliseconds")
    }
}

/// A gateway configuration value out of range.
public struct GatewayConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The name of the setting.
    public let name: String
    public var description: String { "gateway setting \(name) is out of range" }
}
