import Foundation
public import Logging
import PostgresNIO
import RoomlogCore
public import RoomlogStore

/// The operator's view of a cluster and a host's mirror of it: facts, a check that the mirror equals the cluster,
/// and a mirror made anew from the cluster.
public enum ClusterMaintenance {
    /// What the cluster holds.
    public struct Facts: Sendable {
        /// The log's epoch, the last `seq`, and the batches (commits) it took.
        public var epoch: String, head: UInt64, batches: Int
    }

    /// Events read from the cluster per statement when comparing or rebuilding.
    static let pageBatchesMax = 1024

    /// The cluster's facts; throws `ClusterError`.
    public static func facts(_ address: ClusterAddress, logger: Logger) throws -> Facts {
        let database = ClusterConnection(address: address, logger: logger)
        defer { database.close() }
        let epoch = try ClusterSchema.value("epoch", database) ?? ""
        let row = try database.run("SELECT coalesce(max(last_seq), 0), count(*) FROM roomlog_batches").first
        let (head, batches): (Int64, Int64) = try row.map { try $0.decode((Int64, Int64).self) } ?? (0, 0)
        return Facts(epoch: epoch, head: UInt64(head), batches: Int(batches))
    }

    /// How the mirror in `store` differs from the cluster's log: its epoch, the first `seq` whose event differs,
    /// missing or extra events. Empty when they are equal. Throws `ClusterError` or a storage error.
    public static func differences(_ store: Store, _ address: ClusterAddress, logger: Logger) throws -> [String] {
        let database = ClusterConnection(address: address, logger: logger)
        defer { database.close() }
        let epoch = try ClusterSchema.value("epoch", database) ?? ""
        guard store.epoch == epoch else { return ["the mirror's epoch is \(store.epoch), the cluster's \(epoch)"] }
        var seq: UInt64 = 0
        while true {
            let theirs = try ClusterSchema.events(after: seq, batchesMax: pageBatchesMax, database)
            let ours = try store.events(from: seq + 1, limit: max(1, theirs.count))
            guard !theirs.isEmpty else {
                return ours.isEmpty ? [] : ["the mirror holds events from seq \(seq + 1) that the cluster does not"]
            }
            for (index, event) in theirs.enumerated() {
                guard index < ours.count else { return ["the mirror ends at seq \(seq + UInt64(index)), the cluster goes on to seq \(try ClusterSchema.head(database))"] }
                guard ours[index] == event else { return ["the mirror's event at seq \(event.seq) differs from the cluster's"] }
            }
            seq = theirs.last!.seq
        }
    }

    /// Makes the mirror in `configuration.directory` anew from the cluster: it is built beside it (`DIR.rebuilding`)
    /// and put in its place once complete, so a failure leaves the old one. Stop the host's gateways first. Returns
    /// the events copied; throws `ClusterError` or a storage error.
    public static func rebuildMirror(_ address: ClusterAddress, configuration: StoreConfiguration, logger: Logger) throws -> UInt64 {
        let directory = configuration.directory
        let staging = directory + ".rebuilding"
        try? FileManager.default.removeItem(atPath: staging)
        let database = ClusterConnection(address: address, logger: logger)
        defer { database.close() }
        guard let epoch = try ClusterSchema.value("epoch", database) else { throw ClusterError.unreachable("the database holds no Roomlog cluster") }
        var stagingConfiguration = configuration
        stagingConfiguration.directory = staging
        var head: UInt64 = 0
        do {
            let store = try Store(configuration: stagingConfiguration, epoch: epoch)
            while true {
                let events = try ClusterSchema.events(after: head, batchesMax: pageBatchesMax, database)
                guard let last = events.last else { break }
                try store.appendImported(events)
                head = last.seq
            }
            _ = try store.rebuild()
        }
        let old = directory + ".old"
        try? FileManager.default.removeItem(atPath: old)
        if FileManager.default.fileExists(atPath: directory) { try FileManager.default.moveItem(atPath: directory, toPath: old) }
        try FileManager.default.moveItem(atPath: staging, toPath: directory)
        try? FileManager.default.removeItem(atPath: old)
        return head
    }

    /// Creates the database `name` on the server at `address` (for benchmarks and drills); returns its address.
    public static func createDatabase(_ address: ClusterAddress, named name: String, logger: Logger) throws -> String {
        let database = ClusterConnection(address: address, logger: logger)
        defer { database.close() }
        try database.run("CREATE DATABASE \(unescaped: name)")
        var components = URLComponents(string: address.description)!
        components.path = "/" + name
        return components.string!
    }

    /// PostgreSQL's WAL flushes so far and the milliseconds they took (`pg_stat_wal`; the time needs
    /// `track_wal_io_timing`, which this turns on when it may).
    public static func walFlushes(_ address: ClusterAddress, logger: Logger) throws -> (syncs: Int64, milliseconds: Double) {
        let database = ClusterConnection(address: address, logger: logger)
        defer { database.close() }
        _ = try? database.run("ALTER SYSTEM SET track_wal_io_timing = on")
        _ = try? database.run("SELECT pg_reload_conf()")
        let row = try database.run("SELECT wal_sync, wal_sync_time FROM pg_stat_wal").first
        return try row.map { try $0.decode((Int64, Double).self) } ?? (0, 0)
    }
}
