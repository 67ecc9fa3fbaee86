public import Logging
import NIOCore
import NIOPosix
import PostgresNIO
public import RoomlogStore
public import ServiceLifecycle

/// Keeps a host's mirror up with the cluster: it LISTENs on the cluster's channel and asks the writer to catch up
/// at every notification, and also every `pollMilliseconds` (a missed notification, a reconnect); it reconnects
/// after any failure. Pure NIO on one event loop: no task, no thread of its own. As a `Service`, it stops on
/// graceful shutdown.
public final class ClusterFollower: Service, @unchecked Sendable {
    let address: ClusterAddress
    let writer: LogWriter
    let health: ClusterHealth
    let logger: Logger
    let pollMilliseconds: Int64
    private let loop: any EventLoop
    private var connection: PostgresConnection?
    private var connecting = false
    private var poller: RepeatedTask?

    /// A follower for `writer`'s mirror of the cluster at `address`.
    public init(address: ClusterAddress, writer: LogWriter, health: ClusterHealth, pollMilliseconds: Int64 = 1000, logger: Logger) {
        self.address = address
        self.writer = writer
        self.health = health
        self.pollMilliseconds = pollMilliseconds
        self.logger = logger
        loop = MultiThreadedEventLoopGroup.singleton.next()
    }

    /// The last `seq` the cluster holds, asked on the listening connection; throws when it is down.
    public func head() async throws -> UInt64 {
        guard let connection = try await loop.submit({ [self] in connection }).get(), !connection.isClosed else {
            throw ClusterError.unreachable(health.problem ?? "not connected")
        }
        let rows = try await connection.query("SELECT coalesce(max(last_seq), 0) FROM roomlog_batches", logger: logger).get()
        return UInt64(try rows.first?.decode(Int64.self) ?? 0)
    }

    /// Why the cluster cannot be used now, or nil.
    public var problem: String? { health.problem }

    public func run() async throws {
        loop.execute { [self] in start() }
        try? await gracefulShutdown()
        try await loop.submit { [self] in stop() }.get()
    }

    private func start() {
        writer.catchUp()
        poller = loop.scheduleRepeatedTask(initialDelay: .milliseconds(pollMilliseconds), delay: .milliseconds(pollMilliseconds)) { [self] _ in
            writer.catchUp()
            if connection?.isClosed ?? true { listen() }
        }
        listen()
    }

    private func stop() {
        poller?.cancel()
        poller = nil
        if let connection {
            let closing: EventLoopFuture<Void> = connection.close()
            closing.whenComplete { _ in _ = connection }  // released once closed
        }
        connection = nil
    }

    /// Connects and LISTENs, unless a connection is open or being made.
    private func listen() {
        guard !connecting, connection?.isClosed ?? true else { return }
        connecting = true
        PostgresConnection.connect(on: loop, configuration: address.configuration(role: "follower"), id: 0, logger: logger).whenComplete { [self] connected in
            switch connected {
            case .success(let connection):
                // The payload is the cluster's new head, with the batch when it is small: nothing to do when the
                // writer has it (its own commits), and no read when the writer can apply the batch it carries.
                connection.addListener(channel: ClusterSchema.channel) { [writer] _, notification in
                    let announced = ClusterNotification.parse(notification.payload)
                    writer.catchUp(through: announced?.head, offering: announced?.events ?? [])
                }
                connection.query("LISTEN \(unescaped: ClusterSchema.channel)", logger: logger).whenComplete { [self] listening in
                    connecting = false
                    switch listening {
                    case .success:
                        self.connection = connection
                        health.record(nil)
                        writer.catchUp()  // what was committed while no one listened
                    case .failure(let error):
                        failed(error)
                        let closing: EventLoopFuture<Void> = connection.close()
                        closing.whenComplete { _ in _ = connection }
                    }
                }
            case .failure(let error):
                connecting = false
                failed(error)
            }
        }
    }

    private func failed(_ error: any Error) {
        health.record(ClusterConnection.describe(error))
        logger.warning("cannot listen to the cluster; retrying", metadata: ["error": "\(ClusterConnection.describe(error))"])
    }
}
