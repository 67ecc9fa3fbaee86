/// What a rebuild did.
public struct RebuildReport: Sendable, Equatable {
    /// Events read.
    public var events: UInt64
    /// Users, live sessions, rooms, memberships and client ids written.
    public var users: Int, sessions: Int, rooms: Int, memberships: Int, clientIds: Int
    /// How long it took, in seconds.
    public var seconds: Double
}
