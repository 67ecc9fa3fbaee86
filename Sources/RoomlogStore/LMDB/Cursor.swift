import CLMDB

/// A position in a database, valid inside `Transaction.withCursor`.
struct Cursor {
    /// A key and its value, pointing into the map.
    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    let pointer: OpaquePointer

    /// The first entry whose key is at least `key`; throws `LMDBError`.
    mutating func seek(atLeast key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var value = MDB_val()
            return try entry(mdb_cursor_get(pointer, &keyValue, &value, MDB_SET_RANGE), keyValue, value)
        }
    }

    /// The first entry; throws `LMDBError`.
    mutating func first() throws -> Entry? { try move(MDB_FIRST) }
    /// The last entry; throws `LMDBError`.
    mutating func last() throws -> Entry? { try move(MDB_LAST) }
    /// The entry after the current one; throws `LMDBError`.
    mutating func next() throws -> Entry? { try move(MDB_NEXT) }
    /// The entry before the current one; throws `LMDBError`.
    mutating func previous() throws -> Entry? { try move(MDB_PREV) }

    /// Stores `value` under `key`, which must sort after every key in the database; throws `LMDBError`.
    mutating func append(_ key: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { try append($0, value) }
    }

    /// Stores `value` under `key`, which must sort after every key in the database; throws `LMDBError`.
    mutating func append(_ key: UnsafeRawBufferPointer, _ value: [UInt8]) throws {
        try value.withUnsafeBytes { try append(key, $0) }
    }

    /// Stores `value` under `key`, which must sort after every key in the database; throws `LMDBError`.
    mutating func append(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try LMDBError.check(mdb_cursor_put(pointer, &keyValue, &dataValue, UInt32(MDB_APPEND)))
    }

    mutating func move(_ operation: MDB_cursor_op) throws -> Entry? {
        var keyValue = MDB_val()
        var value = MDB_val()
        return try entry(mdb_cursor_get(pointer, &keyValue, &value, operation), keyValue, value)
    }

    func entry(_ code: Int32, _ key: MDB_val, _ value: MDB_val) throws -> Entry? {
        if code == MDB_NOTFOUND { return nil }
        try LMDBError.check(code)
        return (UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size),
                UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }
}
