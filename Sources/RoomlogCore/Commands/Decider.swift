/// Decides what a command does against the current projections: which event to append, or which domain error.
public struct Decider: Sendable {
    /// What a command comes to.
    public enum Decision: Equatable, Sendable {
        /// Append this payload, at this `roomSeq` (0 for non-room events).
        case append(EventPayload, roomSeq: UInt64)
        /// Append nothing; the room as it is.
        case unchanged(Room)
        /// Append nothing; the first result of this client id.
        case repeated(MessageReceipt)
    }

    /// The rules names and bodies are checked against.
    public let validation: Validation

    /// A decider with these rules.
    public init(validation: Validation = Validation()) {
        self.validation = validation
    }

    /// The decision for `command` at wall-clock `now`; throws `RoomlogError` for a refused command, or a storage error.
    /// Every name a client sent is checked before it is looked up. With `session`, the command is refused as
    /// `unauthorized` unless that session is still open, unexpired, and belongs to the command's user: once a session
    /// is closed nothing more is appended for it, whatever was already queued.
    public func decide(_ command: Command, by session: TokenDigest? = nil, now: Timestamp, state: some ProjectionState) throws -> Decision {
        try checkNames(command)
        if let session { try requireSession(session, of: command, now: now, state) }
        switch command {
        case .register(let user, let passwordHash):
            try validation.checkName(user)
            guard !passwordHash.isEmpty else { throw RoomlogError.invalidPassword }
            guard try state.user(named: user) == nil else { throw RoomlogError.nameTaken }
            return .append(.userRegistered(user: user, passwordHash: passwordHash), roomSeq: 0)
        case .openSession(let user, let session, let digest, let expiresAt):
            guard try state.user(named: user) != nil else { throw RoomlogError.badCredentials }
            guard try state.session(digest: digest) == nil, !session.isEmpty else { throw RoomlogError.unauthorized }
            return .append(.sessionOpened(user: user, session: session, tokenDigest: digest, expiresAt: expiresAt), roomSeq: 0)
        case .logout(let digest):
            guard let session = try state.session(digest: digest) else { throw RoomlogError.unauthorized }
            return .append(.sessionClosed(user: session.user, session: session.id, tokenDigest: digest, reason: .logout), roomSeq: 0)
        case .expireSession(let digest):
            guard let session = try state.session(digest: digest) else { throw RoomlogError.unauthorized }
            guard session.expiresAt <= now else { throw RoomlogError.sessionNotExpired }
            return .append(.sessionClosed(user: session.user, session: session.id, tokenDigest: digest, reason: .expired), roomSeq: 0)
        case .createRoom(let user, let room, let topic):
            try validation.checkTopic(topic)
            try requireUser(user, state)
            guard try state.room(named: room) == nil else { throw RoomlogError.roomExists }
            try requireRoomToSpare(user, state)
            return .append(.roomCreated(user: user, room: room, topic: topic), roomSeq: 1)
        case .join(let user, let name):
            try requireUser(user, state)
            let room = try requireRoom(name, state)
            if try state.isMember(user: user, room: name) { return .unchanged(room) }
            try requireRoomToSpare(user, state)
            return .append(.roomJoined(user: user, room: name), roomSeq: room.head + 1)
        case .leave(let user, let name):
            try requireUser(user, state)
            let room = try requireRoom(name, state)
            guard try state.isMember(user: user, room: name) else { return .unchanged(room) }
            return .append(.roomLeft(user: user, room: name), roomSeq: room.head + 1)
        case .post(let user, let name, let body, let clientId):
            return try decidePost(user: user, name: name, body: body, clientId: clientId, state: state)
        }
    }

    func decidePost(user: String, name: String, body: String, clientId: String?, state: some ProjectionState) throws -> Decision {
        try requireUser(user, state)
        if let clientId {
            try validation.checkClientId(clientId)
            if let receipt = try state.clientMessage(user: user, id: clientId) { return .repeated(receipt) }
        }
        try validation.checkBody(body)
        let room = try requireRoom(name, state)
        guard try state.isMember(user: user, room: name) else { throw RoomlogError.notAMember }
        return .append(.messagePosted(user: user, room: name, body: body, clientId: clientId), roomSeq: room.head + 1)
    }

    /// Checks the client-sent names of `command` (the user of a register, the room of a room command); throws
    /// `RoomlogError.invalidName`. Names of other commands come from sessions and records, not clients.
    func checkNames(_ command: Command) throws {
        switch command {
        case .register(let user, _): try validation.checkName(user)
        case .createRoom(_, let room, _), .join(_, let room), .leave(_, let room), .post(_, let room, _, _): try validation.checkName(room)
        case .openSession, .logout, .expireSession: return
        }
    }

    /// Checks that `digest` names an open, unexpired session of the user `command` acts for; throws
    /// `RoomlogError.unauthorized`.
    func requireSession(_ digest: TokenDigest, of command: Command, now: Timestamp, _ state: some ProjectionState) throws {
        guard let session = try state.session(digest: digest), session.expiresAt > now, command.user.map({ $0 == session.user }) ?? true else {
            throw RoomlogError.unauthorized
        }
    }

    /// Checks that `user` is in fewer than `roomsPerUserMax` rooms; throws `RoomlogError.roomsPerUserReached`.
    func requireRoomToSpare(_ user: String, _ state: some ProjectionState) throws {
        let limit = validation.limits.roomsPerUserMax
        guard try state.roomCount(of: user, upTo: limit) < limit else { throw RoomlogError.roomsPerUserReached }
    }

    func requireUser(_ user: String, _ state: some ProjectionState) throws {
        guard try state.user(named: user) != nil else { throw RoomlogError.unauthorized }
    }

    func requireRoom(_ name: String, _ state: some ProjectionState) throws -> Room {
        guard let room = try state.room(named: name) else { throw RoomlogError.roomNotFound }
        return room
    }
}
