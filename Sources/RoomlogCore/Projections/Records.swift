/// A registered user, as the users projection keeps it.
public struct User: Hashable, Sendable {
    /// The user's name.
    public var name: String
    /// The bcrypt hash of the password.
    public var passwordHash: String

    /// A user record.
    public init(name: String, passwordHash: String) {
        self.name = name
        self.passwordHash = passwordHash
    }
}

/// A live session, as the sessions projection keeps it (keyed by token digest).
public struct Session: Hashable, Sendable {
    /// The digest of the session's token.
    public var tokenDigest: TokenDigest
    /// The short public id.
    public var id: String
    /// The user it belongs to.
    public var user: String
    /// When it stops being valid.
    public var expiresAt: Timestamp

    /// A session record.
    public init(tokenDigest: TokenDigest, id: String, user: String, expiresAt: Timestamp) {
        self.tokenDigest = tokenDigest
        self.id = id
        self.user = user
        self.expiresAt = expiresAt
    }
}

/// A room, as the rooms projection keeps it.
public struct Room: Hashable, Sendable {
    /// The room's name.
    public var name: String
    /// The topic, `""` when none was given.
    public var topic: String
    /// The room's last `roomSeq` (0 for none).
    public var head: UInt64
    /// How many users are members.
    public var members: UInt64

    /// A room record.
    public init(name: String, topic: String, head: UInt64, members: UInt64) {
        self.name = name
        self.topic = topic
        self.head = head
        self.members = members
    }
}

/// Where a client message id's message landed: what a repeated id is answered with.
public struct MessageReceipt: Hashable, Sendable {
    /// The client message id.
    public var id: String
    /// The room of the first message with this id.
    public var room: String
    /// Its global position.
    public var seq: UInt64
    /// Its room position.
    public var roomSeq: UInt64

    /// A receipt.
    public init(id: String, room: String, seq: UInt64, roomSeq: UInt64) {
        self.id = id
        self.room = room
        self.seq = seq
        self.roomSeq = roomSeq
    }
}
