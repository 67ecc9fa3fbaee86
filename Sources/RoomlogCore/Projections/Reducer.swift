/// The projection reducers: how each event changes the projections. Pure: the state is passed in.
public enum Reducer {
    /// Applies `event` to `state`. The event must be valid against `state` (as `Decider` made it): a room event's
    /// room exists and its `roomSeq` is the room's head + 1.
    public static func apply(_ event: Event, to state: inout some ProjectionState) throws {
        switch event.payload {
        case .userRegistered(let user, let passwordHash):
            try state.putUser(User(name: user, passwordHash: passwordHash))
        case .sessionOpened(let user, let session, let digest, let expiresAt):
            try state.putSession(Session(tokenDigest: digest, id: session, user: user, expiresAt: expiresAt))
        case .sessionClosed(_, _, let digest, _):
            if let session = try state.session(digest: digest) { try state.removeSession(session) }
        case .roomCreated(let user, let room, let topic):
            precondition(event.roomSeq == 1, "room.created must be the room's first event")
            try state.putRoom(Room(name: room, topic: topic, head: 1, members: 1))
            try state.addMember(user: user, room: room)
        case .roomJoined(let user, let room):
            try advance(room, event, &state) { $0.members += 1 }
            try state.addMember(user: user, room: room)
        case .roomLeft(let user, let room):
            try advance(room, event, &state) { $0.members -= 1 }
            try state.removeMember(user: user, room: room)
        case .messagePosted(let user, let room, _, let clientId):
            try advance(room, event, &state) { _ in }
            if let clientId {
                try state.putClientMessage(user: user, receipt: MessageReceipt(id: clientId, room: room, seq: event.seq, roomSeq: event.roomSeq))
            }
        }
        if let room = event.room { try state.indexRoomEvent(room: room, roomSeq: event.roomSeq, seq: event.seq) }
    }

    static func advance(_ name: String, _ event: Event, _ state: inout some ProjectionState, _ change: (inout Room) -> Void) throws {
        guard var room = try state.room(named: name) else { preconditionFailure("event \(event.seq) names unknown room \(name)") }
        precondition(event.roomSeq == room.head + 1, "event \(event.seq) has roomSeq \(event.roomSeq) after head \(room.head)")
        room.head = event.roomSeq
        change(&room)
        try state.putRoom(room)
    }
}
