/// Every projection as a plain value: what `rebuild` computes from the log and what `verify` compares the store against.
public struct Projections: ProjectionState, Equatable, Sendable {
    /// The key of a client message id: its user and the id.
    public struct ClientKey: Hashable, Sendable {
        /// The user who sent it.
        public var user: String
        /// The client message id.
        public var id: String

        /// A key.
        public init(user: String, id: String) {
            self.user = user
            self.id = id
        }
    }

    /// Users by name.
    public var users: [String: User] = [:]
    /// Live sessions by token digest.
    public var sessions: [TokenDigest: Session] = [:]
    /// Rooms by name.
    public var rooms: [String: Room] = [:]
    /// Members of each room.
    public var members: [String: Set<String>] = [:]
    /// Rooms of each user.
    public var userRooms: [String: Set<String>] = [:]
    /// Client message ids.
    public var clientMessages: [ClientKey: MessageReceipt] = [:]
    /// For each room, the `seq` of each of its events in `roomSeq` order.
    public var roomIndex: [String: [UInt64]] = [:]
    /// The last `seq` applied.
    public var appliedSeq: UInt64 = 0

    /// Empty projections (of an empty log).
    public init() {}

    /// Applies the next event of the log; its `seq` must follow `appliedSeq`.
    public mutating func apply(_ event: Event) {
        precondition(event.seq == appliedSeq + 1, "event \(event.seq) applied after \(appliedSeq)")
        do {
            try Reducer.apply(event, to: &self)
        } catch {
            preconditionFailure("in-memory projections do not throw: \(error)")
        }
        appliedSeq = event.seq
    }

    public func user(named name: String) -> User? { users[name] }
    public func session(digest: TokenDigest) -> Session? { sessions[digest] }
    public func room(named name: String) -> Room? { rooms[name] }
    public func isMember(user: String, room: String) -> Bool { members[room]?.contains(user) ?? false }
    public func clientMessage(user: String, id: String) -> MessageReceipt? { clientMessages[ClientKey(user: user, id: id)] }
    public func roomCount(of user: String, upTo limit: Int) -> Int { min(limit, userRooms[user]?.count ?? 0) }

    public mutating func putUser(_ user: User) { users[user.name] = user }
    public mutating func putSession(_ session: Session) { sessions[session.tokenDigest] = session }
    public mutating func removeSession(_ session: Session) { sessions[session.tokenDigest] = nil }
    public mutating func putRoom(_ room: Room) { rooms[room.name] = room }

    public mutating func addMember(user: String, room: String) {
        members[room, default: []].insert(user)
        userRooms[user, default: []].insert(room)
    }

    public mutating func removeMember(user: String, room: String) {
        members[room]?.remove(user)
        if members[room]?.isEmpty == true { members[room] = nil }
        userRooms[user]?.remove(room)
        if userRooms[user]?.isEmpty == true { userRooms[user] = nil }
    }

    public mutating func putClientMessage(user: String, receipt: MessageReceipt) {
        clientMessages[ClientKey(user: user, id: receipt.id)] = receipt
    }

    public mutating func indexRoomEvent(room: String, roomSeq: UInt64, seq: UInt64) {
        precondition(UInt64(roomIndex[room, default: []].count) + 1 == roomSeq, "room \(room) index is not dense at \(roomSeq)")
        roomIndex[room, default: []].append(seq)
    }
}
