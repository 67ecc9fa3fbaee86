import NIOCore
import RoomlogCore
import RoomlogStore

/// The client's frames: parsed and checked, rate-limited, and handed to the log writer with the session they act
/// for, so a session closed meanwhile (on any gateway) appends nothing.
extension ChatConnection {
    /// Runs one whole message from the client.
    func run(_ bytes: [UInt8]) {
        switch ClientCommand.parse(bytes, validation: Validation(limits: services.limits)) {
        case .success(let command): dispatch(command)
        case .failure(let error): send(error)
        }
    }

    /// Runs one client command. A subscribe or unsubscribe of a room this connection is joining or leaving waits
    /// until that join or leave is committed, so frames sent together take effect in the order they were sent.
    func dispatch(_ command: ClientCommand) {
        switch command {
        case .subscribe(let room, let after, let epoch):
            guard !heldForMembership(command) else { return }
            subscribe(room, after: after, epoch: epoch)
        case .unsubscribe(let room):
            guard !heldForMembership(command) else { return }
            unsubscribe(room)
        case .join(let room): changeMembership(room, join: true)
        case .leave(let room): changeMembership(room, join: false)
        case .send(let room, let body, let id): post(room, body: body, id: id)
        }
    }

    /// Whether `command` must wait for a join or leave of its room in flight: then it is held (or refused with
    /// `rate_limited` past `waitingFramesMax`) and runs once they settle.
    private func heldForMembership(_ command: ClientCommand) -> Bool {
        guard feeds.mustWait(command.room) else { return false }
        if !feeds.hold(command) {
            send(FrameError(.rateLimited, "too many frames wait for joins and leaves (waiting-frames-max \(feeds.waitingMax))", room: command.room))
        }
        return true
    }

    private func changeMembership(_ room: String, join: Bool) {
        if let refusal = services.limiters.membership(session: session.id, now: services.clock().milliseconds) {
            return send(FrameError(.rateLimited, refusal.message, room: room))
        }
        if !join, let stopped = feeds.stop(room) { hub.unsubscribe(stopped) }
        feeds.membershipChangeStarted(room)
        let command: Command = join ? .join(user: session.user, room: room) : .leave(user: session.user, room: room)
        submit(command, id: nil, room: room, finally: { [self] in
            for waiting in feeds.membershipChangeSettled(room) { dispatch(waiting) }
        }) { [self] outcome in
            guard join else { return send(ServerFrame.roomReply("left", room: room)) }
            let head: UInt64
            switch outcome {
            case .appended(let event, _): head = event.roomSeq
            case .unchanged(let state): head = state.head
            case .repeated: return
            }
            send(ServerFrame.joined(room: room, head: head))
            follow(room, after: head, replacing: false)
        }
    }

    private func subscribe(_ room: String, after: UInt64?, epoch: String?) {
        do {
            guard let state = try services.store.room(named: room) else { return send(FrameError(.roomNotFound, self.error(.roomNotFound), room: room)) }
            guard try services.store.isMember(user: session.user, room: room) else { return send(FrameError(.notAMember, self.error(.notAMember), room: room)) }
            let recovered = epoch == nil || epoch == services.store.epoch
            send(ServerFrame.subscribed(room: room, head: state.head, recovered: recovered))
            if recovered, let after {
                follow(room, after: min(after, state.head), replacing: true)
            } else {
                follow(room, after: state.head, replacing: false)
            }
        } catch {
            send(FrameError(.internalError, "could not read the room; subscribe again", room: room))
        }
    }

    private func unsubscribe(_ room: String) {
        if let stopped = feeds.stop(room) { hub.unsubscribe(stopped) }
        send(ServerFrame.roomReply("unsubscribed", room: room))
    }

    private func post(_ room: String, body: String, id: String) {
        if let refusal = services.limiters.send(session: session.id, now: services.clock().milliseconds) {
            return send(FrameError(.rateLimited, refusal.message, id: id, room: room))
        }
        submit(.post(user: session.user, room: room, body: body, clientId: id), id: id, room: room) { [self] outcome in
            switch outcome {
            case .appended(let event, _): send(ServerFrame.ack(MessageReceipt(id: id, room: room, seq: event.seq, roomSeq: event.roomSeq)))
            case .repeated(let first): send(ServerFrame.ack(first))
            case .unchanged: return
            }
        }
    }

    private func error(_ error: RoomlogError) -> String {
        error.message(services.limits)
    }

    /// Submits `command` for this session to the writer; `then` runs on this connection's loop with the outcome,
    /// or the error is sent as an error frame naming `id` and `room`; `finally` runs after either.
    private func submit(_ command: Command, id: String?, room: String, finally: (() -> Void)? = nil, then: @escaping (CommandOutcome) -> Void) {
        let loop = hub.loop
        let box = NIOLoopBound((self, then, finally), eventLoop: loop)
        let limits = services.limits
        services.writer.submit(command, session: session.tokenDigest) { result in
            loop.execute {
                let (connection, then, finally) = box.value
                switch result {
                case .success(let outcome): then(outcome)
                case .failure(let error as RoomlogError): connection.send(FrameError(error, limits, id: id, room: room))
                case .failure(StoreError.writerQueueFull):
                    connection.send(FrameError(.unavailable, "the log writer's queue is full; retry with the same id", id: id, room: room))
                case .failure: connection.send(FrameError(.unavailable, "the log could not take the command; retry with the same id", id: id, room: room))
                }
                finally?()
            }
        }
    }
}
