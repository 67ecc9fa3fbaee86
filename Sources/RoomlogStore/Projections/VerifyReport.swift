/// What `verify` found.
public struct VerifyReport: Sendable, Equatable {
    /// Events checked.
    public var events: UInt64
    /// Every problem found, the first bad `seq` first; empty when the log and projections are sound.
    public var problems: [String]
    /// Whether everything holds.
    public var isSound: Bool { problems.isEmpty }
}
