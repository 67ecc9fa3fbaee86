public import Logging
import PostgresNIO
public import RoomlogCore
public import RoomlogStore
import Synchronization

/// The writer's link to a cluster kept in PostgreSQL (see `ClusterLink`): its own connection, a session-level
/// advisory lock (held across consecutive batches, for at most `holdMilliseconds` at a time), and one autocommitted
/// row per batch with its NOTIFY: one round trip per batch while the lock is held. The lock lives with the
/// connection, so a writer killed while holding it loses it. After a failure it refuses at once
/// (`StoreError.clusterUnavailable`) for `retryMilliseconds` before it tries PostgreSQL again, so commands are answered
/// 503 at once while the database is away. Used by the writer's thread only, but for `health`.
public final class PostgresClusterLink: ClusterLink, @unchecked Sendable {
    private let database: ClusterConnection
    /// The reason the last statement failed, while PostgreSQL is unreachable; nil while it answers.
    public let health: ClusterHealth
    private let retryMilliseconds: Int64
    private let holdMilliseconds: Int64
    private var failedAt: ContinuousClock.Instant?
    /// Whether this writer holds the lock, on which connection, since when, and the cluster's head as it knows it
    /// (nil: to be read), which holds while it keeps the lock.
    private var holding = false
    private var lockGeneration = 0
    private var heldSince = ContinuousClock.now
    private var knownHead: UInt64?
    /// Batches read per statement when catching up.
    static let catchUpBatchesMax = 256

    /// A link to the cluster at `address`.
    public init(address: ClusterAddress, health: ClusterHealth, retryMilliseconds: Int64 = 1000, holdMilliseconds: Int64 = 5, logger: Logger) {
        database = ClusterConnection(address: address, role: "writer", logger: logger)
        self.health = health
        self.retryMilliseconds = retryMilliseconds
        self.holdMilliseconds = holdMilliseconds
    }

    public func acquire() throws {
        if holding, ContinuousClock.now - heldSince > .milliseconds(holdMilliseconds) { release() }  // the others' turn
        if holding, database.generation == lockGeneration { return }
        holding = false
        knownHead = nil
        try attempt { try database.run("SELECT pg_advisory_lock(\(ClusterSchema.appendLock))") }
        holding = true
        lockGeneration = database.generation
        heldSince = .now
    }

    public func missing(after head: UInt64) throws -> [Event] {
        if let knownHead, knownHead == head { return [] }
        let events = try attempt {
            var events: [Event] = []
            while true {
                let page = try ClusterSchema.page(after: head + UInt64(events.count), batchesMax: Self.catchUpBatchesMax, database)
                events += page.events
                if !page.more { return events }
            }
        }
        knownHead = events.last?.seq ?? head
        return events
    }

    public func commit(_ events: [Event]) throws {
        guard let first = events.first, let last = events.last else { return }
        guard holding, database.generation == lockGeneration else {
            holding = false
            throw StoreError.clusterUnavailable("the append lock was lost with its connection")
        }
        do {
            // One autocommitted statement for the row and its notification: its commit is the durable point. The row
            // goes in only right after the cluster's head, so a writer that lost the lock unnoticed cannot fork the log.
            let encoded = BatchCoding.encode(events)
            let payload = ClusterNotification.payload(first: first.seq, last: last.seq, encoded: encoded)
            let rows = try attempt {
                try database.run("""
                    WITH batch AS (INSERT INTO roomlog_batches (first_seq, last_seq, events) \
                    SELECT \(Int64(first.seq)), \(Int64(last.seq)), \(encoded) \
                    WHERE (SELECT coalesce(max(last_seq), 0) FROM roomlog_batches) = \(Int64(first.seq) - 1) RETURNING last_seq) \
                    SELECT pg_notify(\(ClusterSchema.channel), \(payload)) FROM batch
                    """)
            }
            guard rows.count == 1 else {
                database.close()  // and the lock with it
                throw StoreError.clusterUnavailable("the cluster's log moved past \(first.seq - 1) without this writer")
            }
            knownHead = last.seq
        } catch {
            holding = false  // the connection, and the lock with it, is gone
            knownHead = nil
            throw error
        }
    }

    public func release() {
        guard holding else { return }
        holding = false
        knownHead = nil
        _ = try? database.run("SELECT pg_advisory_unlock(\(ClusterSchema.appendLock))")
    }

    public func fetch(after head: UInt64) throws -> (events: [Event], more: Bool) {
        try attempt { try ClusterSchema.page(after: head, batchesMax: Self.catchUpBatchesMax, database) }
    }

    /// Runs `body` unless PostgreSQL failed less than `retryMilliseconds` ago; records the outcome in `health`.
    @discardableResult
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
