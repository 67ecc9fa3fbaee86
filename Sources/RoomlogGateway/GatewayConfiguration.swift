import RoomlogCore

/// How a gateway listens and the limits it enforces, with the protocol's defaults. Every queue, table and timer
/// the gateway keeps is bounded by a value here, checked by `validate()` at start-up.
public struct GatewayConfiguration: Sendable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port (0 picks a free one).
    public var port = 8080
    /// Origins allowed to open a WebSocket, or to send a cookie-authenticated POST, besides the request's own host.
    public var allowedOrigins: [String] = []
    /// Proxies whose `X-Forwarded-For` names the client address.
    public var trustedProxies: [String] = []
    /// Whether the session cookie carries `Secure` (behind a TLS proxy).
    public var secureCookies = false
    /// The largest request body, in bytes.
    public var requestBodyBytesMax = 64 * 1024
    /// The largest WebSocket message from a client, in bytes after reassembly (and inflation).
    public var frameBytesMax = 16_384
    /// How many bytes may wait unsent to one WebSocket client (events, replies, pongs) before it is closed with 1013.
    public var outboxBytesMax = 256 * 1024
    /// The kernel send buffer of each WebSocket, in bytes; nil leaves it to the kernel's autotuning (up to
    /// `net.ipv4.tcp_wmem`). With the outbox, it bounds what one slow reader can hold before 1013.
    public var socketSendBufferBytes: Int?
    /// The history page size when none is given, in events.
    public var historyPageEventsDefault = 100
    /// The largest history page, in events.
    public var historyPageEventsMax = 500
    /// The largest page of `GET /api/v1/rooms` (also its default), in rooms.
    public var roomListPageRoomsMax = 500
    /// Events a catching-up subscription reads and sends per event-loop tick.
    public var catchUpPageEventsMax = 500
    /// Subscribe and unsubscribe frames one WebSocket may have waiting for its own joins and leaves to commit.
    public var waitingFramesMax = 64
    /// Messages a session may send per second, sustained.
    public var sendsPerSecond = 20.0
    /// Messages a session may send at once.
    public var sendBurstMessages = 40.0
    /// Joins and leaves a session may make per second, sustained (WebSocket and HTTP together).
    public var membershipsPerSecond = 5.0
    /// Joins and leaves a session may make at once.
    public var membershipBurstChanges = 20.0
    /// Rooms a session may create per `limitWindowMilliseconds`.
    public var roomsCreatedPerWindow = 10
    /// Registrations per client address per `limitWindowMilliseconds`.
    public var registrationsPerWindow = 20
    /// Login attempts per user name, and separately per client address, in `limitWindowMilliseconds`.
    public var loginAttemptsMax = 10
    /// The sliding window of the login, registration and room-creation limits, in milliseconds.
    public var limitWindowMilliseconds: Int64 = 60_000
    /// Slots of each limiter's table (keys share a slot's count when they collide, which can only refuse sooner,
    /// never forget an attempt): the bound of each limiter's memory, whatever keys clients choose.
    public var limiterSlots = 32_768
    /// The most attempt times a sliding-window limiter keeps (8 bytes each): a limit of N attempts gets at most
    /// this / N slots, so a large limit cannot make a large table.
    public var limiterTimesMax = 1 << 20
    /// WebSockets one session may have open on this gateway.
    public var socketsPerSessionMax = 16
    /// Open TCP connections of this gateway; past it new connections are closed at once.
    public var connectionsMax = 20_000
    /// How long a new connection may take to send its first request head, in milliseconds.
    public var requestHeadTimeoutMilliseconds: Int64 = 10_000
    /// How long an HTTP connection may stay idle between requests, in milliseconds.
    public var idleTimeoutMilliseconds: Int64 = 60_000
    /// How often the server pings each WebSocket, in milliseconds; one silent for two intervals is closed.
    public var pingIntervalMilliseconds: Int64 = 30_000
    /// How long a closing WebSocket may take to answer the close frame before its TCP connection is dropped.
    public var closeTimeoutMilliseconds: Int64 = 5_000
    /// How long SIGTERM or SIGINT may take to end the process, whatever clients do, in milliseconds.
    public var shutdownGraceMilliseconds: Int64 = 10_000
    /// How often expired sessions are closed, in milliseconds.
    public var expirySweepMilliseconds: Int64 = 30_000
    /// In cluster mode, how long a token this host's mirror does not know may wait for the mirror to reach the
    /// cluster's head before it is refused, in milliseconds.
    public var sessionWaitMilliseconds: Int64 = 1000
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
        try require(roomListPageRoomsMax >= 1, "roomListPageRoomsMax")
        try require(catchUpPageEventsMax >= 1, "catchUpPageEventsMax")
        try require(waitingFramesMax >= 1, "waitingFramesMax")
        try require(sendsPerSecond > 0, "sendsPerSecond")
        try require(sendBurstMessages >= 1, "sendBurstMessages")
        try require(membershipsPerSecond > 0, "membershipsPerSecond")
        try require(membershipBurstChanges >= 1, "membershipBurstChanges")
        try require(roomsCreatedPerWindow >= 1, "roomsCreatedPerWindow")
        try require(registrationsPerWindow >= 1, "registrationsPerWindow")
        try require(loginAttemptsMax >= 1, "loginAttemptsMax")
        try require(limitWindowMilliseconds >= 1000, "limitWindowMilliseconds")
        try require(limiterSlots >= 1 && limiterSlots <= 1 << 24, "limiterSlots")
        try require(limiterTimesMax >= 1 && limiterTimesMax <= 1 << 26, "limiterTimesMax")
        try require(socketsPerSessionMax >= 1, "socketsPerSessionMax")
        try require(connectionsMax >= 1, "connectionsMax")
        try require(requestHeadTimeoutMilliseconds >= 1, "requestHeadTimeoutMilliseconds")
        try require(idleTimeoutMilliseconds >= 1, "idleTimeoutMilliseconds")
        try require(pingIntervalMilliseconds >= 10, "pingIntervalMilliseconds")
        try require(closeTimeoutMilliseconds >= 1, "closeTimeoutMilliseconds")
        try require(shutdownGraceMilliseconds >= 1000, "shutdownGraceMilliseconds")
        try require(expirySweepMilliseconds >= 1000, "expirySweepMilliseconds")
        try require(readyLagMilliseconds >= 1, "readyLagMilliseconds")
        try require(sessionWaitMilliseconds >= 0, "sessionWaitMilliseconds")
    }
}

/// A gateway configuration value out of range.
public struct GatewayConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The name of the setting.
    public let name: String
    public var description: String { "gateway setting \(name) is out of range" }
}
