import Foundation
import RoomlogCore

/// The Roomlog log and its projections in one LMDB environment: opening, reads and the wake-up of tailers.
/// Appends go through `LogWriter`. Open one store per directory per process.
public final class Store: @unchecked Sendable {
    /// The format of the store's meta records and projections; the events carry their own format byte.
    public static let storeFormat: UInt8 = 1

    /// How the store was opened.
    public let configuration: StoreConfiguration
    /// The LMDB environment.
    public let environment: Environment
    /// The log's epoch: fixed when the log was created, changed only by replacing the log.
    public let epoch: String
    let databases: StoreDatabases
    let wakeFile: WakeFile
    private let wakeSignalLock = NSLock()
    private var startedWakeSignal: WakeSignal?

    /// Opens the store in `configuration.directory`, creating the directory and an empty log if needed; a new
    /// log takes `epoch` if given (an import keeps its source's epoch), else a random one.
    /// Throws `StoreError`, `LMDBError` or `LimitsError`.
    public init(configuration: StoreConfiguration, epoch newEpoch: String? = nil) throws {
        try configuration.validate()
        try FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true)
        self.configuration = configuration
        environment = try Environment(directory: configuration.directory, options: configuration.environment)
        (databases, epoch) = try environment.write { txn in
            let databases = try StoreDatabases(txn)
            return (databases, try Self.prepareMeta(txn, databases, newEpoch: newEpoch))
        }
        wakeFile = try WakeFile(path: configuration.directory + "/wake")
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
