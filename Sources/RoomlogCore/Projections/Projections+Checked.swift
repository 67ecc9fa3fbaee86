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
        if case .messagePosted(let user, let room, _, let clientId) = event.payload, event.seq == appliedSeq + 1 {
            if let problem = applyMessage(event, user: user, room: room, clientId: clientId) {
                throw LogInconsistency(seq: event.seq, problem: problem)
            }
            return
        }
        if let problem = problem(with: event) { throw LogInconsistency(seq: event.seq, problem: problem) }
        apply(event)
    }

    /// As `applyChecked(_:)`, except that a message's client id is neither checked nor recorded: the caller collects
    /// them (`ClientIdList.appendId(of:)`) and checks them all at once (`ClientIdList.sortedIndices()`). A message
    /// whose id repeats an earlier one and that has another problem too is named for the other problem, at the same
    /// `seq`.
    public mutating func applyCheckedExceptClientIds(_ event: Event) throws(LogInconsistency) {
        guard case .messagePosted(let user, let room, _, _) = event.payload, event.seq == appliedSeq + 1 else {
            return try applyChecked(event)
        }
        if let problem = applyMessage(event, user: user, room: room, clientId: nil) { throw LogInconsistency(seq: event.seq, problem: problem) }
    }

    /// Checks and applies a message (most of a large log) with one hash lookup per table, finding the same problem
    /// as `problem(with:)` and changing nothing then; what `Reducer.apply` would do otherwise.
    mutating func applyMessage(_ event: Event, user: String, room name: String, clientId: String?) -> String? {
        guard users[user] != nil else { return "unknown user \(user)" }
        var added: ClientKey?
        if let clientId {
            let key = ClientKey(user: user, id: clientId)
            let receipt = MessageReceipt(id: clientId, room: name, seq: event.seq, roomSeq: event.roomSeq)
            if let first = clientMessages.updateValue(receipt, forKey: key) {
                clientMessages[key] = first
                return "client id \(clientId) is used twice"
            }
            added = key
        }
        guard let room = rooms.index(forKey: name) else {
            if let added { clientMessages[added] = nil }
            return "unknown room \(name)"
        }
        let head = rooms.values[room].head
        guard event.roomSeq == head + 1, members[name]?.contains(user) == true else {
            if let added { clientMessages[added] = nil }
            return event.roomSeq != head + 1 ? "room \(name) expected roomSeq \(head + 1), found \(event.roomSeq)" : "\(user) is not a member of \(name)"
        }
        rooms.values[room].head = event.roomSeq
        Self.append(event, to: &roomIndex[name, default: []])
        appliedSeq = event.seq
        return nil
    }

    static func append(_ event: Event, to seqs: inout [UInt64]) {
        precondition(UInt64(seqs.count) + 1 == event.roomSeq, "room \(event.room ?? "") index is not dense at \(event.roomSeq)")
        seqs.append(event.seq)
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
