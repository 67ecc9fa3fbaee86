import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One connection to the cluster's PostgreSQL, used synchronously by one thread at a time (the writer's, or a
/// tool's): each statement blocks that thread, never an event loop or the cooperative pool, until PostgreSQL
/// answers. After a failure the connection is dropped and made again on the next statement.
final class ClusterConnection: @unchecked Sendable {
    let address: ClusterAddress
    let logger: Logger
    /// What the connection is for, in its `application_name`.
    let role: String
    /// How long a statement may go unanswered before the connection is dropped: a connection whose peer vanished
    /// would otherwise wait for ever. Longer than PostgreSQL takes to free the lock of a host cut off (about 8 s).
    let statementSeconds: Int64
    private var connection: PostgresConnection?
    private var nextId = 0
    /// Counts the connections made: a session-level lock lives only as long as the connection that took it.
    private(set) var generation = 0

    init(address: ClusterAddress, role: String = "tool", statementSeconds: Int64 = 15, logger: Logger) {
        self.address = address
        self.role = role
        self.statementSeconds = statementSeconds
        self.logger = logger
    }

    deinit {
        close()
    }


    /// Runs `query` and returns its rows; throws `ClusterError.unreachable` (and drops the connection) on any failure,
    /// also when PostgreSQL does not answer within `statementSeconds`.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> [PostgresRow] {
        do {
            let connection = try connected()
            let answer = connection.query(query, logger: logger)
            let timeout = connection.eventLoop.scheduleTask(in: .seconds(statementSeconds)) {
                let closing: EventLoopFuture<Void> = connection.close()
                closing.whenComplete { _ in }
            }
            defer { timeout.cancel() }
            return Array(try answer.wait().rows)
        } catch {
            close()
            throw ClusterError.unreachable(Self.describe(error))
        }
    }

    /// Drops the connection, waiting until it is closed (the next statement makes a new one).
    func close() {
        let closing: EventLoopFuture<Void>? = connection?.close()
        try? closing?.wait()
        connection = nil
    }

    private func connected() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        nextId += 1
        generation += 1
        let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: address.configuration(role: role),
                                                        id: nextId, logger: logger).wait()
        self.connection = connection
        return connection
    }

    /// A one-line reason for `error`, with PostgreSQL's own message when it sent one.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            return psql.underlying.map { "\(psql.code): \($0)" } ?? "\(psql.code)"
        }
        if let cluster = error as? ClusterError, case .unreachable(let reason) = cluster { return reason }
        return "\(error)"
    }
}
