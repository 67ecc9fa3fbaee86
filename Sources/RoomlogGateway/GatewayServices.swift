import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix
import Synchronization
public import RoomlogAuth
import RoomlogCore
public import RoomlogStore
import Prometheus

/// What every route and connection of one gateway shares: the log, its writer, accounts, limits and limiters.
public final class GatewayServices: Sendable {
    /// The log.
    public let store: Store
    /// The process's writer.
    public let writer: LogWriter
    /// Registration, login and sessions.
    public let accounts: Accounts
    /// How the gateway runs.
    public let configuration: GatewayConfiguration
    /// The protocol's limits in force (the store's).
    var limits: Limits { store.configuration.limits }
    let clock: LogWriter.Clock
    let limiters: Limiters
    let origins: OriginPolicy
    /// Open WebSockets per session.
    let sessionSockets: SessionSockets
    /// Open TCP connections of this gateway.
    let connections = Atomic<Int>(0)
    /// The tail's position, for readiness.
    public let tailPosition: TailPosition
    /// Counters, gauges and histograms for `/metrics`.
    public let metrics: GatewayMetrics
    /// When this process's commits became durable, until its tail reads them (the follower_wakeup stage).
    let durableTimes: DurableTimes
    /// Every event loop's WebSocket connections.
    let hubs: Hubs
    /// The cluster this gateway's log mirrors, if any.
    public let cluster: (any ClusterView)?

    /// Services over `store` and `writer`; throws `GatewayConfigurationError` or `AuthConfigurationError`.
    public init(store: Store, writer: LogWriter, configuration: GatewayConfiguration, auth: AuthConfiguration = AuthConfiguration(),
                cluster: (any ClusterView)? = nil, clock: @escaping LogWriter.Clock = LogWriter.systemClock) throws {
        try configuration.validate()
        self.store = store
        self.cluster = cluster
        self.writer = writer
        self.configuration = configuration
        self.clock = clock
        accounts = try Accounts(store: store, writer: writer, configuration: auth, clock: clock)
        limiters = Limiters(configuration)
        origins = OriginPolicy(allowedOrigins: configuration.allowedOrigins)
        sessionSockets = SessionSockets(perSessionMax: configuration.socketsPerSessionMax)
        tailPosition = TailPosition()
        let metrics = GatewayMetrics()
        self.metrics = metrics
        hubs = Hubs(metrics: metrics, pingIntervalMilliseconds: configuration.pingIntervalMilliseconds)
        let durableTimes = DurableTimes()
        self.durableTimes = durableTimes
        // Called once the commit is durable and before the tail is woken: the start of the follower_wakeup stage.
        writer.observeCommits { report in
            metrics.eventsAppended.increment(by: Int64(report.events))
            metrics.commitBatchCommands.record(Double(report.commands))
            durableTimes.record(head: report.head, at: report.durableAt)
        }
        writer.observeStages { stages in
            for queued in stages.queued { metrics.record(.writerQueue, nanoseconds: queued) }
            metrics.record(.transaction, nanoseconds: stages.transaction)
            metrics.record(.dataFlush, nanoseconds: stages.flush)
            metrics.record(.completion, nanoseconds: stages.completion)
        }
    }

    /// The live session of `token`. In cluster mode, a token this mirror does not know yet (minted on another host
    /// a moment ago) is looked up again once the mirror has reached the cluster's head, waiting at most
    /// `sessionWaitMilliseconds`. Throws a storage error.
    func authenticate(_ token: SessionToken) async throws -> Session? {
        if let session = try accounts.authenticate(token) { return session }
        guard let cluster, let head = try? await cluster.head() else { return nil }
        let deadline = ContinuousClock.now + .milliseconds(configuration.sessionWaitMilliseconds)
        while try store.head() < head, ContinuousClock.now < deadline {
            writer.catchUp()
            guard await ExpiryService.wait(milliseconds: 5, on: MultiThreadedEventLoopGroup.singleton.next()) else { break }
        }
        return try accounts.authenticate(token)
    }

    /// The client's address: the TCP peer, or the last `X-Forwarded-For` entry when the peer is a trusted proxy.
    func clientAddress(_ request: Request, peer: String?) -> String {
        let peer = peer ?? "unknown"
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
