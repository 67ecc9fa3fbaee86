import CLMDB

/// A named LMDB database handle, valid for the life of its environment.
public struct Database: Sendable, Hashable {
    let handle: MDB_dbi
    /// The database's name.
    public let name: String
}
