/// Read and write access to the projections, implemented by an in-memory value and by the store's write transaction.
///
/// Reads and writes throw only storage errors; domain errors come from `Decider`.
public protocol ProjectionState {
    /// The user named `name`.
    func user(named name: String) throws -> User?
    /// The live session with this token digest.
    func session(digest: TokenDigest) throws -> Session?
    /// The room named `name`.
    func room(named name: String) throws -> Room?
    /// Whether `user` is a member of `room`.
    func isMember(user: String, room: String) throws -> Bool
    /// The receipt of `user`'s message with client id `id`.
    func clientMessage(user: String, id: String) throws -> MessageReceipt?
    /// How many rooms `user` is a member of, counted up to `limit` (a larger count is reported as `limit`).
    func roomCount(of user: String, upTo limit: Int) throws -> Int

    /// Stores a user.
    mutating func putUser(_ user: User) throws
    /// Stores a live session.
    mutating func putSession(_ session: Session) throws
    /// Removes a session.
    mutating func removeSession(_ session: Session) throws
    /// Stores a room.
    mutating func putRoom(_ room: Room) throws
    /// Records that `user` is a member of `room` (both ways).
    mutating func addMember(user: String, room: String) throws
    /// Records that `user` is no longer a member of `room` (both ways).
    mutating func removeMember(user: String, room: String) throws
    /// Records a client message id of `user`.
    mutating func putClientMessage(user: String, receipt: MessageReceipt) throws
    /// Records that `room`'s event `roomSeq` is the log's `seq`.
    mutating func indexRoomEvent(room: String, roomSeq: UInt64, seq: UInt64) throws
}
