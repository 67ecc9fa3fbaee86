public import Logging
import PostgresNIO
public import RoomlogCore
public import RoomlogStore
import Synchronization

/// The writer's link to a cluster kept in PostgreSQL (see `ClusterLink`): its own connection, a transaction per
/// batch holding the cluster's advisory append lock, and one row per batch. After a failure it refuses at once
/// (`StoreError.clusterUnavailable`) for `retryMilliseconds` before it tries PostgreSQL again, so commands are answered
/// 503 at once while the database is away. Used by the writer's thread only, but for `health`.
public final class PostgresClusterLink: ClusterLink, @unchecked Sendable {
    private let database: ClusterConnection
    /// The reason the last statement failed, while PostgreSQL is unreachable; nil while it answers.
    public let health: ClusterHealth
    private let retryMilliseconds: Int64
    private var failedAt: ContinuousClock.Instant?
    /// Batches read per statement when catching up.
    static let catchUpBatchesMax = 256

    /// A link to the cluster at `address`.
    public init(address: ClusterAddress, health: ClusterHealth, retryMilliseconds: Int64 = 1000, logger: Logger) {
        database = ClusterConnection(address: address, logger: logger)
        self.health = health
        self.retryMilliseconds = retryMilliseconds
    }

    public func lock(after head: UInt64) throws -> [Event] {
        try attempt {
            try database.run("BEGIN")
            try database.run("SELECT pg_advisory_xact_lock(\(ClusterSchema.appendLock))")
            var events: [Event] = []
            while true {
                let page = try ClusterSchema.events(after: head + UInt64(events.count), batchesMax: Self.catchUpBatchesMax, database)
                events += page
                if page.isEmpty { return events }
            }
        }
    }

    public func commit(_ events: [Event]) throws {
        try attempt {
            if let first = events.first, let last = events.last {
                // One round trip for the row and its notification (FIELD-NOTES: each statement is one).
                try database.run("""
                    WITH batch AS (INSERT INTO roomlog_batches (first_seq, last_seq, events) \
                    VALUES (\(Int64(first.seq)), \(Int64(last.seq)), \(BatchCoding.encode(events))) RETURNING last_seq) \
                    SELECT pg_notify(\(ClusterSchema.channel), last_seq::text) FROM batch
                    """)
            }
            try database.run("COMMIT")
        }
    }

    public func release() {
        _ = try? database.run("ROLLBACK")
    }

    public func fetch(after head: UInt64) throws -> [Event] {
        try attempt { try ClusterSchema.events(after: head, batchesMax: Self.catchUpBatchesMax, database) }
    }

    /// Runs `body` unless PostgreSQL failed less than `retryMilliseconds` ago; records the outcome in `health`.
    private func attempt<T>(_ body: () throws -> T) throws -> T {
        if let failedAt, ContinuousClock.now - failedAt < .milliseconds(retryMilliseconds) {
            throw StoreError.clusterUnavailable(health.problem ?? "unreachable")
        }
        do {
            let result = try body()
            failedAt = nil
            health.record(nil)
            return result
        } catch {
            failedAt = .now
            let reason = ClusterConnection.describe(error)
            health.record(reason)
            throw StoreError.clusterUnavailable(reason)
        }
    }
}

/// Whether the cluster's PostgreSQL answers, as the writer and the follower last saw it (for readiness).
public final class ClusterHealth: Sendable {
    private let state = Mutex<String?>(nil)

    /// A new record: healthy.
    public init() {}

    /// Records the last outcome: nil when PostgreSQL answered, else why not.
    public func record(_ problem: String?) {
        state.withLock { $0 = problem }
    }

    /// Why PostgreSQL cannot be used now, or nil.
    public var problem: String? { state.withLock { $0 } }
}
