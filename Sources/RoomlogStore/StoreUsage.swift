import CLMDB

/// How a store uses its LMDB environment, for operators (`roomlog stats`).
public struct StoreUsage: Sendable, Equatable {
    /// The map's size, in bytes.
    public var mapBytes: Int
    /// The bytes of the map in use (up to its last page).
    public var usedBytes: Int
    /// The id of the last committed transaction.
    public var lastTransaction: Int
    /// Reader slots in use, and how many there are.
    public var readerSlotsInUse: Int, readerSlotsMax: Int
    /// The read transactions open now in every process, one line each (pid, thread, transaction id).
    public var readers: [String]
}

extension Store {
    /// How the store uses its environment now; throws `LMDBError`.
    public func usage() throws -> StoreUsage {
        let info = environment.info
        return StoreUsage(mapBytes: info.me_mapsize, usedBytes: (info.me_last_pgno + 1) * environment.pageSizeBytes, lastTransaction: info.me_last_txnid,
                          readerSlotsInUse: Int(info.me_numreaders), readerSlotsMax: Int(info.me_maxreaders),
                          readers: try environment.readers().filter { !$0.hasPrefix("pid") })
    }
}
