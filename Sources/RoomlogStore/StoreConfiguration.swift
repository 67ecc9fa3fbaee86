public import RoomlogCore

/// How a store is opened and how its writer and tailers behave, with safe defaults.
public struct StoreConfiguration: Sendable {
    /// The data directory (created if missing).
    public var directory: String
    /// How the LMDB environment is opened (map size, durability).
    public var environment = EnvironmentOptions()
    /// The most commands one write transaction takes.
    public var writerBatchCommandsMax = 4096
    /// The most commands waiting for the writer; more are refused with `StoreError.writerQueueFull`.
    public var writerQueueCommandsMax = 65536
    /// The most events a tailer reads at once.
    public var tailBatchEventsMax = 1024
    /// How often a waiting tailer looks at the log even without a wake-up (a writer killed between its commit and
    /// its wake-up must not stall readers), in milliseconds.
    public var tailSafetyPollMilliseconds = 250
    /// The most recent client ids kept apart from the `client_ids` B-tree (in memory and in an append-only table)
    /// before the oldest are merged into it.
    public var clientIdsRecentMax = 65_536
    /// How many of the oldest recent client ids one merge moves into the B-tree.
    public var clientIdsMergeMax = 8192
    /// The most users, rooms and memberships the writer keeps cached between transactions (it forgets them all
    /// when there are more).
    public var writerCacheEntriesMax = 262_144
    /// The protocol's limits, checked by the writer.
    public var limits = Limits()

    /// A configuration for `directory` with the defaults.
    public init(directory: String) {
        self.directory = directory
    }

    /// Checks every value; throws `StoreError.badConfiguration` naming the first bad one, or `LimitsError`.
    public func validate() throws {
        func require(_ condition: Bool, _ name: String) throws {
            if !condition { throw StoreError.badConfiguration(name) }
        }
        try require(!directory.isEmpty, "directory")
        try require(environment.mapSizeBytes >= 1 << 20, "mapSizeBytes")
        try require(environment.mapGrowthBytesMax >= 1 << 20, "mapGrowthBytesMax")
        try require(writerBatchCommandsMax >= 1, "writerBatchCommandsMax")
        try require(writerQueueCommandsMax >= writerBatchCommandsMax, "writerQueueCommandsMax")
        try require(tailBatchEventsMax >= 1, "tailBatchEventsMax")
        try require(tailSafetyPollMilliseconds >= 1, "tailSafetyPollMilliseconds")
        try require(clientIdsRecentMax >= 1, "clientIdsRecentMax")
        try require(clientIdsMergeMax >= 1, "clientIdsMergeMax")
        try require(writerCacheEntriesMax >= 1, "writerCacheEntriesMax")
        try limits.validate()
    }
}
