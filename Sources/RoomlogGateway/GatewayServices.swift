import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import RoomlogAuth
import RoomlogCore
import RoomlogStore

/// What every route of one gateway shares: the log, its writer, accounts, limits and limiters.
public final class GatewayServices: Sendable {
    /// The log.
    public let store: Store
    /// The process's writer.
    public let writer: LogWriter
    /// Registration, login and sessions.
    public let accounts: Accounts
    /// How the gateway runs.
    public let configuration: GatewayConfiguration
    let clock: LogWriter.Clock
    let loginLimiter: LoginLimiter
    let sendLimiter: SendLimiter
    /// The tail's position, for readiness.
    public let tailPosition: TailPosition
    /// Counters, gauges and histograms for `/metrics`.
    public let metrics: GatewayMetrics
    /// Every event loop's WebSocket connections.
    let hubs: Hubs

    /// Services over `store` and `writer`; throws `GatewayConfigurationError` or `AuthConfigurationError`.
    public init(store: Store, writer: LogWriter, configuration: GatewayConfiguration, auth: AuthConfiguration = AuthConfiguration(),
                clock: @escaping LogWriter.Clock = LogWriter.systemClock) throws {
        try configuration.validate()
        self.store = store
        self.writer = writer
        self.configuration = configuration
        self.clock = clock
        accounts = try Accounts(store: store, writer: writer, configuration: auth, clock: clock)
        loginLimiter = LoginLimiter(attemptsMax: configuration.loginAttemptsMax, windowMilliseconds: configuration.loginWindowMilliseconds,
                                    keysMax: configuration.loginLimiterKeysMax)
        sendLimiter = SendLimiter(perSecond: configuration.sendsPerSecond, burst: configuration.sendBurstMessages)
        tailPosition = TailPosition()
        let metrics = GatewayMetrics()
        self.metrics = metrics
        hubs = Hubs(metrics: metrics)
        writer.observeCommits { report in
            metrics.eventsAppended.increment(by: Int64(report.events))
            metrics.commitBatchCommands.record(Double(report.commands))
        }
    }

    /// The session of the request's bearer token or `roomlog_session` cookie; throws `APIError.unauthorized`.
    func authenticate(_ request: Request) throws -> (Session, SessionToken) {
        guard let token = Self.token(of: request), let session = try accounts.authenticate(token) else { throw APIError.unauthorized }
        return (session, token)
    }

    /// The token a request presents, from `Authorization: Bearer` first, else the cookie.
    static func token(of request: Request) -> SessionToken? {
        WebSocketAdmission.token(request.header)
    }

    /// The client's address: the TCP peer, or the last `X-Forwarded-For` entry when the peer is a trusted proxy.
    func clientAddress(_ request: Request, _ context: GatewayContext) -> String {
        let peer = context.peerAddress ?? "unknown"
        guard configuration.trustedProxies.contains(peer), let forwarded = request.headers[.init("X-Forwarded-For")!],
              let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        else { return peer }
        return last
    }
}

/// Where this gateway's tail has read to, and when it last caught up with the head.
public final class TailPosition: Sendable {
    private let state = Mutex<(seq: UInt64, caughtUpAt: Int64)>((0, 0))

    /// Records that the tail has applied every event up to `seq`, which was the head at `now` (milliseconds).
    public func caughtUp(to seq: UInt64, at now: Int64) {
        state.withLock { $0 = (seq, now) }
    }

    /// The last caught-up position and time.
    public var current: (seq: UInt64, caughtUpAt: Int64) { state.withLock { $0 } }
}

extension Request {
    /// A request header by lower-case name; `host` is the request's authority (HTTP types keep Host out of the fields).
    func header(_ name: String) -> String? {
        if name == "host" { return head.authority }
        guard let field = HTTPField.Name(name) else { return nil }
        return headers[field]
    }
}
