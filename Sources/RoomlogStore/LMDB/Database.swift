import CLMDB

/// A named LMDB database handle, valid for the life of its environment.
struct Database: Sendable, Hashable {
    let handle: MDB_dbi
    /// The database's name.
    let name: String
}
