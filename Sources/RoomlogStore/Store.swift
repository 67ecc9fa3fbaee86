import Foundation
import RoomlogCore
import Synchronization

/// The Roomlog log and its projections in one LMDB environment: opening, reads and the wake-up of tailers.
/// Appends go through `LogWriter`. Open one store per directory per process.
public final class Store: @unchecked Sendable {
    /// The format of the store's meta records and projections; the events carry their own format byte.
    public static let storeFormat: UInt8 = 1

    /// How the store was opened.
    public let configuration: StoreConfiguration
    /// The LMDB environment.
    let environment: Environment
    /// The log's epoch: fixed when the log was created, changed only by replacing the log.
    public let epoch: String
    let databases: StoreDatabases
    let wakeFile: WakeFile
    /// The last durable `seq`: readers show nothing past it.
    let durableMark: DurableMark
    private let wakeSignalLock = NSLock()
    private var startedWakeSignal: WakeSignal?
    /// A durable mark that readers found behind the head, and when (monotonic milliseconds): see `healStall`.
    private let stall = Mutex<(mark: UInt64, since: Int64)?>(nil)

    /// Opens the store in `configuration.directory`, creating the directory (mode 0700, its files 0600) and an
    /// empty log if needed; a new log takes `epoch` if given (an import keeps its source's epoch), else a random one.
    /// Everything committed before it opens is flushed and becomes visible (`makeDurable`).
    /// Throws `StoreError`, `LMDBError` or `LimitsError`.
    public init(configuration: StoreConfiguration, epoch newEpoch: String? = nil) throws {
        try configuration.validate()
        let directory = configuration.directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        Self.restrictPermissions(directory)
        self.configuration = configuration
        environment = try Environment(directory: directory, options: configuration.environment)
        (databases, epoch) = try environment.write { txn in
            let databases = try StoreDatabases(txn)
            return (databases, try Self.prepareMeta(txn, databases, newEpoch: newEpoch))
        }
        wakeFile = try WakeFile(path: directory + "/wake")
        durableMark = try DurableMark(path: directory + "/durable")
        try makeDurable()
    }

    /// Takes group and other permissions off the data directory and the files LMDB made (a directory made by an
    /// earlier version was 0755 and its files 0644); best effort: a directory of another owner stays as it is.
    static func restrictPermissions(_ directory: String) {
        chmod(directory, 0o700)
        for file in ["data.mdb", "lock.mdb", "wake", "durable"] { chmod(directory + "/" + file, 0o600) }
    }

    /// Flushes every commit so far and raises the durable mark to the head read before the flush; throws `LMDBError`.
    func makeDurable() throws {
        let head = try environment.read { txn -> UInt64 in try self.head(txn) }
        try environment.sync()
        durableMark.raise(to: head)
    }

    /// Heals a stall: a writer that died between its commit and its flush leaves events past the durable mark that
    /// nobody would flush. A reader that finds the mark behind `head` and unmoved for `tailSafetyPollMilliseconds`
    /// flushes them itself. Returns whether it did. Throws `LMDBError`.
    func healStall(head: UInt64) throws -> Bool {
        let mark = durableMark.seq
        let now = Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
        let stalled = stall.withLock { stall -> Bool in
            guard head > mark else {
                stall = nil
                return false
            }
            guard let seen = stall, seen.mark == mark else {
                stall = (mark, now)
                return false
            }
            return now - seen.since >= Int64(configuration.tailSafetyPollMilliseconds)
        }
        guard stalled else { return false }
        try makeDurable()
        stall.withLock { $0 = nil }
        return true
    }

    deinit {
        startedWakeSignal?.stop()
    }

    /// Reads the format and epoch, writing them for a new log; throws `StoreError.unsupportedFormat` for a newer one.
    static func prepareMeta(_ txn: Transaction, _ databases: StoreDatabases, newEpoch: String?) throws -> String {
        if let format = try txn.get(databases.meta, MetaKey.format) {
            guard format.count == 1, format[0] <= storeFormat else { throw StoreError.unsupportedFormat(format.first ?? 0) }
            guard let epoch = try txn.get(databases.meta, MetaKey.epoch) else { throw StoreError.corruptRecord(database: "meta") }
            return String(decoding: epoch, as: UTF8.self)
        }
        var random = SystemRandomNumberGenerator()
        let epoch = newEpoch ?? Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        try writeMeta(txn, databases, epoch: epoch)
        return epoch
    }

    static func writeMeta(_ txn: Transaction, _ databases: StoreDatabases, epoch: String) throws {
        try txn.put(databases.meta, MetaKey.format, [storeFormat])
        try txn.put(databases.meta, MetaKey.epoch, Array(epoch.utf8))
        try txn.put(databases.meta, MetaKey.appliedSeq, StoreKeys.seq(0))
    }

    /// The shared wake-up of this process's tailers, started on first use; throws `StoreError.system`.
    func wakeSignal() throws -> WakeSignal {
        try wakeSignalLock.withLock {
            if let startedWakeSignal { return startedWakeSignal }
            let signal = try WakeSignal(path: wakeFile.path, safetyPollMilliseconds: configuration.tailSafetyPollMilliseconds)
            startedWakeSignal = signal
            return signal
        }
    }
}

/// Keys of the meta database.
enum MetaKey {
    static let format = Array("format".utf8)
    static let epoch = Array("epoch".utf8)
    /// The last `seq` the stored projections include.
    static let appliedSeq = Array("applied_seq".utf8)
    /// Every client id of a message up to this `seq` is in `client_ids`; later ones are in `client_ids_recent`.
    static let clientIdsMergedThrough = Array("client_ids_merged_through".utf8)
}
