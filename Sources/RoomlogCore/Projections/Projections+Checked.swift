/// An event that cannot follow the events before it: the log is damaged.
public struct LogInconsistency: Error, Equatable, Sendable, CustomStringConvertible {
    /// The position of the first bad event.
    public let seq: UInt64
    /// What is wrong with it.
    public let problem: String

    /// A finding at `seq`.
    public init(seq: UInt64, problem: String) {
        self.seq = seq
        self.problem = problem
    }

    public var description: String { "seq \(seq): \(problem)" }
}

extension Projections {
    /// Applies `event` after checking that it can follow the events applied so far (dense `seq` and `roomSeq`,
    /// users, sessions, rooms and memberships that exist); throws `LogInconsistency` instead of applying a bad one.
    public mutating func applyChecked(_ event: Event) throws(LogInconsistency) {
        if let problem = problem(with: event) { throw LogInconsistency(seq: event.seq, problem: problem) }
        apply(event)
    }

    func problem(with event: Event) -> String? {
        guard event.seq == appliedSeq + 1 else { return "expected seq \(appliedSeq + 1)" }
        let user = event.user
        if case .userRegistered = event.payload {
            return users[user] == nil ? nil : "user \(user) is registered twice"
        }
        guard users[user] != nil else { return "unknown user \(user)" }
        switch event.payload {
        case .userRegistered:
            return nil
        case .sessionOpened(_, _, let digest, _):
            return sessions[digest] == nil ? nil : "session opened twice"
        case .sessionClosed(_, _, let digest, _):
            return sessions[digest]?.user == user ? nil : "closes a session that is not open"
        case .roomCreated(_, let room, _):
            if rooms[room] != nil { return "room \(room) is created twice" }
            return event.roomSeq == 1 ? nil : "room.created has roomSeq \(event.roomSeq)"
        case .roomJoined(_, let room):
            return roomProblem(event, room) ?? (isMember(user: user, room: room) ? "\(user) joins \(room) twice" : nil)
        case .roomLeft(_, let room), .messagePosted(_, let room, _, nil):
            return roomProblem(event, room) ?? (isMember(user: user, room: room) ? nil : "\(user) is not a member of \(room)")
        case .messagePosted(_, let room, _, let clientId?):
            if clientMessages[ClientKey(user: user, id: clientId)] != nil { return "client id \(clientId) is used twice" }
            return roomProblem(event, room) ?? (isMember(user: user, room: room) ? nil : "\(user) is not a member of \(room)")
        }
    }

    func roomProblem(_ event: Event, _ name: String) -> String? {
        guard let room = rooms[name] else { return "unknown room \(name)" }
        return event.roomSeq == room.head + 1 ? nil : "room \(name) expected roomSeq \(room.head + 1), found \(event.roomSeq)"
    }
}
