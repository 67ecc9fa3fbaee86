public import RoomlogCore

/// Where the log is ordered and kept when this store is one host's mirror of a cluster's log (PostgreSQL, in
/// `RoomlogCluster`). The writer takes the cluster's append lock and catches its mirror up before it decides a
/// batch, and makes the batch durable in the cluster before its own LMDB commit: the cluster's commit is the
/// durable point. Called only on the writer's thread, inside its LMDB write transaction (so the LMDB lock is always
/// taken before the cluster's, in every process).
public protocol ClusterLink: AnyObject, Sendable {
    /// Takes the cluster-wide append lock and returns the events after `head` that this mirror lacks, in `seq`
    /// order. Throws when the cluster cannot be reached (nothing is then decided).
    func lock(after head: UInt64) throws -> [Event]
    /// Makes `events`, the next ones after those `lock` returned, durable in the cluster and releases the lock.
    /// Throws when they could not be made durable (the batch then fails; nothing was appended).
    func commit(_ events: [Event]) throws
    /// Releases the lock without appending, after a failure between `lock` and `commit`.
    func release()
    /// The events after `head` that the cluster holds, in `seq` order, without the lock (a mirror catching up).
    func fetch(after head: UInt64) throws -> [Event]
}
