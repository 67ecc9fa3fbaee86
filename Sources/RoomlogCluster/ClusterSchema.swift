import PostgresNIO
import RoomlogCore

/// Roomlog's tables in the cluster's PostgreSQL, created and migrated by Roomlog itself: `roomlog_meta` (the schema
/// version and the log's epoch) and `roomlog_batches` (one row per commit: `first_seq`, `last_seq`, the events).
/// No projection lives there; each host's mirror computes them.
enum ClusterSchema {
    /// The schema this build writes and reads.
    static let version = 1
    /// The session-level advisory lock that one writer in the cluster holds while it appends (`PostgresClusterLink`).
    static let appendLock: Int64 = 0x526F_6F6D_6C6F_6701
    /// The advisory lock held while the tables are created or migrated.
    static let migrationLock: Int64 = 0x526F_6F6D_6C6F_6702
    /// The channel every commit notifies, with its last `seq`.
    static let channel = "roomlog"

    /// Creates the tables if missing and checks the schema version; returns the cluster's epoch, which is `newEpoch`
    /// for a new cluster. Throws `ClusterError.unsupportedSchema` or `.unreachable`.
    static func prepare(_ database: ClusterConnection, newEpoch: String) throws -> String {
        try database.run("BEGIN")
        do {
            try database.run("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try database.run("CREATE TABLE IF NOT EXISTS roomlog_meta (key text PRIMARY KEY, value text NOT NULL)")
            try database.run("""
                CREATE TABLE IF NOT EXISTS roomlog_batches (first_seq bigint PRIMARY KEY, last_seq bigint NOT NULL UNIQUE, \
                events bytea NOT NULL, CHECK (last_seq >= first_seq))
                """)
            let schema = try value("schema", database)
            if let schema {
                guard let found = Int(schema), found <= version else { throw ClusterError.unsupportedSchema(found: Int(schema) ?? -1) }
            } else {
                try database.run("INSERT INTO roomlog_meta (key, value) VALUES ('schema', \(String(version))) RETURNING key")
            }
            let epoch: String
            if let stored = try value("epoch", database) {
                epoch = stored
            } else {
                try database.run("INSERT INTO roomlog_meta (key, value) VALUES ('epoch', \(newEpoch)) RETURNING key")
                epoch = newEpoch
            }
            try database.run("COMMIT")
            return epoch
        } catch {
            _ = try? database.run("ROLLBACK")
            throw error
        }
    }

    static func value(_ key: String, _ database: ClusterConnection) throws -> String? {
        try database.run("SELECT value FROM roomlog_meta WHERE key = \(key)").first.map { try $0.decode(String.self) }
    }

    /// The last `seq` in the cluster (0 when empty).
    static func head(_ database: ClusterConnection) throws -> UInt64 {
        let row = try database.run("SELECT coalesce(max(last_seq), 0) FROM roomlog_batches").first
        return UInt64(try row?.decode(Int64.self) ?? 0)
    }

    /// Up to `limit` batches after `seq` (with their events after it), in order; throws `ClusterError`.
    static func events(after seq: UInt64, batchesMax limit: Int, _ database: ClusterConnection) throws -> [Event] {
        try page(after: seq, batchesMax: limit, database).events
    }

    /// `events(after:batchesMax:)`, and whether the cluster holds batches after them (the page was full).
    static func page(after seq: UInt64, batchesMax limit: Int, _ database: ClusterConnection) throws -> (events: [Event], more: Bool) {
        let rows = try database.run("""
            SELECT first_seq, events FROM roomlog_batches WHERE last_seq > \(Int64(seq)) ORDER BY first_seq LIMIT \(limit)
            """)
        var events: [Event] = []
        for row in rows {
            let (first, bytes) = try row.decode((Int64, ByteBuffer).self)
            events += try BatchCoding.decode(firstSeq: UInt64(first), bytes).filter { $0.seq > seq }
        }
        return (events, rows.count == limit)
    }
}
