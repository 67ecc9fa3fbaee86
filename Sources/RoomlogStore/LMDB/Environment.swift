import CLMDB
import Foundation
import Glibc

/// An LMDB environment opened with `MDB_NOTLS`, whose map grows when it fills.
///
/// `read` and `write` take synchronous closures, so no transaction can live across an `await`; a write transaction
/// begins and commits on the calling thread. Open one environment per directory per process.
final class Environment: @unchecked Sendable {
    /// How an environment is opened.
    typealias Options = EnvironmentOptions

    let pointer: OpaquePointer
    let resizeLock = ReadWriteLock()
    let options: Options

    /// Opens (creating if needed) the environment in `directory`; throws `LMDBError`.
    init(directory: String, options: Options) throws {
        var env: OpaquePointer?
        try LMDBError.check(mdb_env_create(&env))
        guard let env else { throw LMDBError.invalid }
        pointer = env
        self.options = options
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, options.databasesMax))
            try LMDBError.check(mdb_env_set_maxreaders(env, options.readersMax))
            try LMDBError.check(mdb_env_set_mapsize(env, options.mapSizeBytes))
            var flags = UInt32(MDB_NOTLS)
            flags |= options.durable ? UInt32(MDB_NOMETASYNC) : UInt32(MDB_NOSYNC)
            try LMDBError.check(mdb_env_open(env, directory, flags, 0o600))
            var dead: Int32 = 0
            try LMDBError.check(mdb_reader_check(env, &dead))
        } catch {
            mdb_env_close(env)
            throw error
        }
    }

    deinit {
        mdb_env_close(pointer)
    }

    /// The current map size in bytes.
    var mapSizeBytes: Int {
        var info = MDB_envinfo()
        mdb_env_info(pointer, &info)
        return info.me_mapsize
    }

    /// Facts about the environment: map size, last page, last transaction, readers.
    var info: MDB_envinfo {
        var info = MDB_envinfo()
        mdb_env_info(pointer, &info)
        return info
    }

    /// The read transactions open now in every process, one line each (pid, thread, transaction id), as LMDB
    /// reports them; throws `LMDBError`.
    func readers() throws -> [String] {
        final class Lines { var lines: [String] = [] }
        let lines = Lines()
        let context = Unmanaged.passUnretained(lines).toOpaque()
        let result = mdb_reader_list(pointer, { message, context in
            guard let message, let context else { return 0 }
            Unmanaged<Lines>.fromOpaque(context).takeUnretainedValue().lines.append(String(cString: message))
            return 0
        }, context)
        guard result >= 0 else { throw LMDBError(code: result) }
        return lines.lines.flatMap { $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    /// The page size in bytes.
    var pageSizeBytes: Int {
        var stat = MDB_stat()
        mdb_env_stat(pointer, &stat)
        return Int(stat.ms_psize)
    }

    /// Runs `body` in a read-only transaction; throws what `body` throws or an `LMDBError`.
    func read<R>(_ body: (Transaction) throws -> R) throws -> R {
        while true {
            let outcome: R? = try resizeLock.withShared {
                var txn: OpaquePointer?
                let code = mdb_txn_begin(pointer, nil, UInt32(MDB_RDONLY), &txn)
                if code == MDB_MAP_RESIZED { return nil }
                try LMDBError.check(code)
                defer { mdb_txn_abort(txn) }
                return try body(Transaction(pointer: txn!))
            }
            if let outcome { return outcome }
            try adoptMapSize()
        }
    }

    /// Flushes every commit so far to disk (a no-op for a non-durable environment); throws `LMDBError`.
    func sync() throws {
        if options.durable { try LMDBError.check(mdb_env_sync(pointer, 1)) }
    }

    /// Runs `body` in a write transaction on this thread and commits it, durably unless `deferringSync` (then
    /// the caller must `sync()` before it reports the commit as durable). When the map fills, the transaction is
    /// aborted, the map grows and `body` runs again from the start, so `body` must compute everything it returns.
    /// Throws what `body` throws (the transaction is then aborted) or an `LMDBError`.
    func write<R>(deferringSync: Bool = false, _ body: (Transaction) throws -> R) throws -> R {
        let result = try writeUnsynced(body)
        if !deferringSync { try sync() }
        return result
    }

    private func writeUnsynced<R>(_ body: (Transaction) throws -> R) throws -> R {
        while true {
            let outcome: R?
            do {
                outcome = try resizeLock.withShared {
                    var txn: OpaquePointer?
                    let code = mdb_txn_begin(pointer, nil, 0, &txn)
                    if code == MDB_MAP_RESIZED { return nil }
                    try LMDBError.check(code)
                    let result: R
                    do {
                        result = try body(Transaction(pointer: txn!))
                    } catch {
                        mdb_txn_abort(txn)
                        throw error
                    }
                    try LMDBError.check(mdb_txn_commit(txn))  // frees the transaction, even when it fails
                    return result
                }
            } catch LMDBError.mapFull {
                try grow()
                continue
            }
            if let outcome { return outcome }
            try adoptMapSize()
        }
    }

    /// Takes the map size another process has grown the map to.
    func adoptMapSize() throws {
        try resizeLock.withExclusive { try LMDBError.check(mdb_env_set_mapsize(pointer, 0)) }
    }

    /// Grows the map: to the size another process already set, or by doubling (capped by `mapGrowthBytesMax`).
    func grow() throws {
        try resizeLock.withExclusive {
            let before = mapSizeBytes
            try LMDBError.check(mdb_env_set_mapsize(pointer, 0))
            if mapSizeBytes > before { return }
            let size = before + min(before, options.mapGrowthBytesMax)
            try LMDBError.check(mdb_env_set_mapsize(pointer, size))
        }
    }
}
