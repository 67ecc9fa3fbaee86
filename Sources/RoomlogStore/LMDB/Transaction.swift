import CLMDB

/// An open LMDB transaction, valid only inside the `Environment.read` or `Environment.write` closure that gave it.
/// Byte buffers it returns point into the map and are valid only until that closure returns.
struct Transaction {
    let pointer: OpaquePointer

    /// Opens (creating it in a write transaction) the named database; throws `LMDBError`.
    func open(_ name: String, create: Bool) throws -> Database {
        var dbi: MDB_dbi = 0
        try LMDBError.check(mdb_dbi_open(pointer, name, create ? UInt32(MDB_CREATE) : 0, &dbi))
        return Database(handle: dbi, name: name)
    }

    /// The value stored under `key`, or nil; throws `LMDBError`.
    func get(_ database: Database, _ key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { try get(database, $0) }
    }

    /// The value stored under `key`, or nil; throws `LMDBError`.
    func get(_ database: Database, _ key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var value = MDB_val()
        let code = mdb_get(pointer, database.handle, &keyValue, &value)
        if code == MDB_NOTFOUND { return nil }
        try LMDBError.check(code)
        return UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
    }

    /// Stores `value` under `key`. With `append`, the key must sort after every key in the database
    /// (`LMDBError.keyExists` otherwise). Throws `LMDBError`.
    func put(_ database: Database, _ key: [UInt8], _ value: [UInt8], append: Bool = false) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { try put(database, keyBytes, $0, append: append) }
        }
    }

    /// Stores `value` under `key`; see `put(_:_:_:append:)`.
    func put(_ database: Database, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, append: Bool = false) throws {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try LMDBError.check(mdb_put(pointer, database.handle, &keyValue, &dataValue, append ? UInt32(MDB_APPEND) : 0))
    }

    /// Deletes `key`; returns whether it was there. Throws `LMDBError`.
    @discardableResult
    func delete(_ database: Database, _ key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let code = mdb_del(pointer, database.handle, &keyValue, nil)
            if code == MDB_NOTFOUND { return false }
            try LMDBError.check(code)
            return true
        }
    }

    /// Deletes every record of `database`, keeping the database; throws `LMDBError`.
    func empty(_ database: Database) throws {
        try LMDBError.check(mdb_drop(pointer, database.handle, 0))
    }

    /// The number of records in `database`; throws `LMDBError`.
    func count(_ database: Database) throws -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(pointer, database.handle, &stat))
        return Int(stat.ms_entries)
    }

    /// Bytes used by `database`'s pages; throws `LMDBError`.
    func sizeBytes(_ database: Database) throws -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(pointer, database.handle, &stat))
        return Int(stat.ms_psize) * (Int(stat.ms_branch_pages) + Int(stat.ms_leaf_pages) + Int(stat.ms_overflow_pages))
    }

    /// Runs `body` with a cursor over `database`, closed when `body` returns; throws `LMDBError` or what `body` throws.
    func withCursor<R>(_ database: Database, _ body: (inout Cursor) throws -> R) throws -> R {
        var handle: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(pointer, database.handle, &handle))
        defer { mdb_cursor_close(handle) }
        var cursor = Cursor(pointer: handle!)
        return try body(&cursor)
    }
}
