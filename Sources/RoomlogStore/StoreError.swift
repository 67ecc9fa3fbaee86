import Glibc

/// An operating error of the store that is not a domain error of a command.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The log was written in a format this build cannot read.
    case unsupportedFormat(UInt8)
    /// A projection record does not decode.
    case corruptRecord(database: String)
    /// The writer has stopped; nothing more can be appended.
    case writerStopped
    /// The writer's queue holds `writerQueueCommandsMax` commands already.
    case writerQueueFull
    /// A configuration value is out of range.
    case badConfiguration(String)
    /// An imported event is not the next `seq` of the log.
    case notNext(expected: UInt64, found: UInt64)
    /// A file-system call failed.
    case system(operation: String, errno: Int32)
    /// The cluster whose log this store mirrors cannot take commands now (it cannot be reached); retry.
    case clusterUnavailable(String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let format): "the log is in format \(format), newer than this build reads"
        case .corruptRecord(let database): "a record of the \(database) projection does not decode; run `roomlog rebuild`"
        case .writerStopped: "the log writer has stopped"
        case .writerQueueFull: "the log writer's queue is full"
        case .badConfiguration(let what): "bad configuration: \(what)"
        case .notNext(let expected, let found): "expected seq \(expected), found \(found)"
        case .system(let operation, let errno): "\(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .clusterUnavailable(let reason): "the cluster cannot take commands now (\(reason))"
        }
    }
}
