public import RoomlogCore

/// Where the log is ordered and kept when this store is one host's mirror of a cluster's log (PostgreSQL, in
/// `RoomlogCluster`). The cluster's commit of a batch is the durable point; the mirror commits after it.
///
/// The writer takes the cluster's append lock before its LMDB write transaction (`acquire`, so a process never
/// waits for the cluster's lock while it holds the LMDB one), catches its mirror up inside the transaction
/// (`missing`), decides the batch, makes it durable in the cluster (`commit`), and commits locally. It keeps the lock
/// across consecutive batches while commands keep coming, and gives it up when it has none left (`release`); the
/// link gives it up by itself after holding it for a while, so that the writers of other hosts get their turn.
/// Called only on the writer's thread.
public protocol ClusterLink: AnyObject, Sendable {
    /// Takes the cluster-wide append lock, or keeps it if this writer holds it. Throws when the cluster cannot be
    /// reached (nothing is then decided).
    func acquire() throws
    /// The events after `head` that this mirror lacks, in `seq` order, while holding the lock (none if this writer
    /// held it since its last commit: nobody else can have appended).
    func missing(after head: UInt64) throws -> [Event]
    /// Makes `events`, the next ones after `missing`'s, durable in the cluster (keeping the lock). Throws when they
    /// could not be made durable (the batch then fails; the lock is given up).
    func commit(_ events: [Event]) throws
    /// Gives up the lock, if held: when the writer has nothing left to append, or after a failure.
    func release()
    /// The events after `head` that the cluster holds, in `seq` order, without the lock (a mirror catching up): all of
    /// them or a page, and whether the cluster holds more after them.
    func fetch(after head: UInt64) throws -> (events: [Event], more: Bool)
}
