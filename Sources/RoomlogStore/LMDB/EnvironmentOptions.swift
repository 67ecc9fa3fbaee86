/// How the store's LMDB environment is opened.
public struct EnvironmentOptions: Sendable {
    /// The map size to start with, in bytes; it doubles (by at most `mapGrowthBytesMax`) whenever it fills.
    public var mapSizeBytes = 1 << 30
    /// The largest single growth step of the map, in bytes.
    public var mapGrowthBytesMax = 8 << 30
    /// How many named databases may exist.
    public var databasesMax: UInt32 = 16
    /// How many read transactions may be open at once across every process.
    public var readersMax: UInt32 = 512
    /// Whether commits are durable. `true` opens LMDB with `MDB_NOMETASYNC` (a commit flushes its data pages;
    /// `write` flushes the meta page right after, or leaves that to the caller's `sync()`), which keeps the
    /// database intact on power loss. `false` is `MDB_NOSYNC`: faster, but a power loss may lose commits.
    public var durable = true

    /// The defaults: 1 GiB to start, durable.
    public init() {}
}
