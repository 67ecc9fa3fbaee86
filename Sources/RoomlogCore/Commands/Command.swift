/// A request to change the log. Secrets arrive already hashed: a bcrypt hash, a token digest.
public enum Command: Hashable, Sendable {
    /// Registers `user` with a password hash.
    case register(user: String, passwordHash: String)
    /// Opens a session for `user` (its password was already checked), valid until `expiresAt`.
    case openSession(user: String, session: String, tokenDigest: TokenDigest, expiresAt: Timestamp)
    /// Logs out the session with this token digest.
    case logout(tokenDigest: TokenDigest)
    /// Closes the session with this token digest as expired, if it has expired.
    case expireSession(tokenDigest: TokenDigest)
    /// Creates `room`; the creator becomes its first member.
    case createRoom(user: String, room: String, topic: String)
    /// Makes `user` a member of `room`.
    case join(user: String, room: String)
    /// Removes `user` from `room`.
    case leave(user: String, room: String)
    /// Posts a message; a repeated client id of the same user is answered with the first result.
    case post(user: String, room: String, body: String, clientId: String?)
}

extension Command {
    /// The user the command acts for; nil for commands that name a session by its token digest instead.
    public var user: String? {
        switch self {
        case .register(let user, _), .openSession(let user, _, _, _), .createRoom(let user, _, _), .join(let user, _),
             .leave(let user, _), .post(let user, _, _, _):
            user
        case .logout, .expireSession:
            nil
        }
    }
}

/// What a successful command did.
public enum CommandOutcome: Hashable, Sendable {
    /// The command appended `event`; `room` is the room after it, for room events.
    case appended(Event, room: Room?)
    /// Nothing was appended: a join by a member or a leave by a non-member. `room` is the room as it is.
    case unchanged(room: Room)
    /// Nothing was appended: the client id was used before; `receipt` is the first result.
    case repeated(MessageReceipt)

    /// The appended event, if any.
    public var event: Event? {
        if case .appended(let event, _) = self { return event }
        return nil
    }
}
