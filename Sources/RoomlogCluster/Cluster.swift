import Foundation
public import Logging
import RoomlogCore
public import RoomlogStore

/// Opening a host's mirror of a cluster's log: the schema is created or checked, the mirror must belong to the
/// cluster (same epoch, no event the cluster lacks, the same last event), and the writer's link is made.
public enum Cluster {
    /// Connects to the cluster at `address`, prepares its tables, and opens (or creates, empty, with the cluster's
    /// epoch) the mirror in `configuration.directory`. Nothing is created in the directory before PostgreSQL has
    /// answered. Throws `ClusterError` (unreachable, schema, another cluster's mirror) or a storage error.
    public static func open(_ address: ClusterAddress, configuration: StoreConfiguration, logger: Logger) throws -> (store: Store, link: PostgresClusterLink) {
        let database = ClusterConnection(address: address, logger: logger)
        defer { database.close() }
        let epoch = try ClusterSchema.prepare(database, newEpoch: randomEpoch())
        let store = try Store(configuration: configuration, epoch: epoch)
        guard store.epoch == epoch else { throw ClusterError.otherCluster(mirror: store.epoch, cluster: epoch) }
        try checkMirror(store, database)
        let link = PostgresClusterLink(address: address, health: ClusterHealth(), logger: logger)
        return (store, link)
    }

    /// Checks that the mirror holds nothing the cluster does not: its last event is the cluster's at that `seq`.
    static func checkMirror(_ store: Store, _ database: ClusterConnection) throws {
        let mirrorHead = try store.head()  // the store flushed everything when it opened: all of it is durable
        guard mirrorHead > 0 else { return }
        let clusterHead = try ClusterSchema.head(database)
        guard mirrorHead <= clusterHead else { throw ClusterError.mirrorAhead(mirror: mirrorHead, cluster: clusterHead) }
        let theirs = try ClusterSchema.events(after: mirrorHead - 1, batchesMax: 1, database).first
        guard let theirs, try store.event(at: mirrorHead) == theirs else { throw ClusterError.mirrorDiffers(seq: mirrorHead) }
    }

    /// The cluster's head, for tools; throws `ClusterError`.
    public static func head(_ address: ClusterAddress, logger: Logger) throws -> UInt64 {
        let database = ClusterConnection(address: address, logger: logger)
        defer { database.close() }
        return try ClusterSchema.head(database)
    }

    static func randomEpoch() -> String {
        var random = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
    }
}
