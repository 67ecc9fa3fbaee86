/// One record of the log: its global position, its room position for room events, when it was appended, and what happened.
public struct Event: Hashable, Sendable {
    /// Position in the global log: 1, 2, 3, ... without gaps.
    public var seq: UInt64
    /// Wall clock at append, for display only.
    public var at: Timestamp
    /// Position within the room (1, 2, 3, ...) for room events; 0 for the others.
    public var roomSeq: UInt64
    /// What happened.
    public var payload: EventPayload

    /// An event; `roomSeq` must be non-zero exactly for room events.
    public init(seq: UInt64, at: Timestamp, roomSeq: UInt64 = 0, payload: EventPayload) {
        precondition((roomSeq > 0) == (payload.room != nil), "roomSeq must be set exactly for room events")
        self.seq = seq
        self.at = at
        self.roomSeq = roomSeq
        self.payload = payload
    }

    /// The event's type.
    public var type: EventType { payload.type }
    /// The user who acted.
    public var user: String { payload.user }
    /// The room, for room events.
    public var room: String? { payload.room }
}

/// What an event says happened, with every field the log keeps (secrets as hashes and digests only).
public enum EventPayload: Hashable, Sendable {
    case userRegistered(user: String, passwordHash: String)
    case sessionOpened(user: String, session: String, tokenDigest: TokenDigest, expiresAt: Timestamp)
    case sessionClosed(user: String, session: String, tokenDigest: TokenDigest, reason: SessionCloseReason)
    case roomCreated(user: String, room: String, topic: String)
    case roomJoined(user: String, room: String)
    case roomLeft(user: String, room: String)
    case messagePosted(user: String, room: String, body: String, clientId: String?)

    /// The event type.
    public var type: EventType {
        switch self {
        case .userRegistered: .userRegistered
        case .sessionOpened: .sessionOpened
        case .sessionClosed: .sessionClosed
        case .roomCreated: .roomCreated
        case .roomJoined: .roomJoined
        case .roomLeft: .roomLeft
        case .messagePosted: .messagePosted
        }
    }

    /// The user who acted.
    public var user: String {
        switch self {
        case .userRegistered(let user, _), .sessionOpened(let user, _, _, _), .sessionClosed(let user, _, _, _),
             .roomCreated(let user, _, _), .roomJoined(let user, _), .roomLeft(let user, _), .messagePosted(let user, _, _, _):
            user
        }
    }

    /// The room, for room events; nil for the others.
    public var room: String? {
        switch self {
        case .roomCreated(_, let room, _), .roomJoined(_, let room), .roomLeft(_, let room), .messagePosted(_, let room, _, _):
            room
        case .userRegistered, .sessionOpened, .sessionClosed:
            nil
        }
    }
}
