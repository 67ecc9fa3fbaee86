import NIOCore
import NIOWebSocket
import RoomlogCore
import RoomlogStore

/// One client's WebSocket, as a plain NIO handler on its event loop (no task per connection): it reassembles
/// messages, answers frames, keeps its subscriptions, and writes the shared frames its hub delivers.
final class ChatConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let session: Session
    let services: GatewayServices
    let hub: Hub
    /// Whether permessage-deflate was negotiated.
    let deflate: Bool
    /// Where shared, pre-encoded broadcast frames are written, below the frame encoder.
    let encodedFrames: EncodedFrameWriter
    private var context: ChannelHandlerContext?
    private var message = ByteBuffer()
    private var messageOpcode: WebSocketOpcode?
    private var messageCompressed = false
    private var closed = false
    /// The subscribed rooms; each subscription keeps the last `roomSeq` written to this client.
    private var subscriptionsByRoom: [String: Subscription] = [:]
    /// Joins and leaves of this connection at the writer, by room, and the subscribe and unsubscribe frames that
    /// wait for them (at most `waitingFramesMax` in all).
    private var membershipChanges: [String: Int] = [:]
    private var waitingFrames: [String: [ClientFrame]] = [:]
    private var waitingFrameCount = 0
    static let waitingFramesMax = 64
    /// Rooms still being caught up from the log, with the last `roomSeq` sent; they go live once caught up.
    private var catchingUp: [String: UInt64] = [:]
    private var catchUpScheduled = false
    /// Whether the hub has this connection on its list to flush this tick.
    var flushPending = false

    init(session: Session, services: GatewayServices, hub: Hub, deflate: Bool, encodedFrames: EncodedFrameWriter) {
        self.encodedFrames = encodedFrames
        self.session = session
        self.services = services
        self.hub = hub
        self.deflate = deflate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        hub.add(self)
        if deflate { services.hubs.deflateConnections.add(1, ordering: .relaxed) }
        do {
            send(try hello())
        } catch {
            close(code: .unexpectedServerError)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        for room in Array(subscriptionsByRoom.keys) + Array(catchingUp.keys) { stopSubscription(room) }
        hub.remove(self)
        if deflate { services.hubs.deflateConnections.subtract(1, ordering: .relaxed) }
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        context.fireChannelInactive()
    }

    /// A client that goes away without a close frame half-closes the socket (Hummingbird allows remote half-closure):
    /// close our side too, or the socket would linger in CLOSE-WAIT with its handler.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else { return context.fireUserInboundEventTriggered(event) }
        closed = true
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .connectionClose:
            close(code: .normalClosure)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .text, .binary, .continuation:
            receive(frame)
        default:
            close(code: .protocolError)
        }
    }

    /// Reassembles a message; one over the limit closes the connection with 1009 and no error frame.
    private func receive(_ frame: WebSocketFrame) {
        if frame.opcode != .continuation {
            guard messageOpcode == nil, !frame.rsv1 || deflate else { close(code: .protocolError); return }
            messageOpcode = frame.opcode
            messageCompressed = frame.rsv1
            message.clear()
        } else if messageOpcode == nil {
            close(code: .protocolError)
            return
        }
        var data = frame.unmaskedData
        guard message.readableBytes + data.readableBytes <= services.configuration.frameBytesMax else { close(code: .messageTooLarge); return }
        message.writeBuffer(&data)
        guard frame.fin else { return }
        messageOpcode = nil
        guard messageCompressed else { return handle(Array(message.readableBytesView)) }
        do {
            handle(try hub.inflater.decompress(Array(message.readableBytesView), bytesMax: services.configuration.frameBytesMax))
        } catch .tooLarge {
            close(code: .messageTooLarge)
        } catch {
            close(code: .protocolError)
        }
    }

    // MARK: Writing

    /// Writes a JSON object as a text frame and flushes at the end of the loop tick.
    func send(_ json: [UInt8]) {
        guard context != nil, !closed else { return }
        encodedFrames.write((deflate ? EncodedFrame.compressed(json, with: hub.deflater) : nil) ?? EncodedFrame.text(json))
        hub.wrote(self)
    }

    /// Writes a broadcast frame (its hub checked that it is new for this client); closes with 1013 when the client
    /// reads too slowly. Returns whether it wrote.
    func deliver(_ event: Broadcast) -> Bool {
        guard let context, !closed else { return false }
        if !context.channel.isWritable {
            context.flush()  // writes waiting for the end of the tick count against the outbox too
            guard context.channel.isWritable else {
                services.metrics.outboxOverflows.increment()
                close(code: .init(codeNumber: 1013))
                return false
            }
        }
        encodedFrames.write(deflate ? event.compressed ?? event.frame : event.frame)
        return true
    }

    func flush() {
        context?.flush()
    }

    /// Sends a close frame with `code` and closes the connection; succeeds once the close frame is written.
    @discardableResult
    func close(code: WebSocketErrorCode) -> EventLoopFuture<Void> {
        guard let context, !closed else { return hub.loop.makeSucceededVoidFuture() }
        closed = true
        var buffer = context.channel.allocator.buffer(capacity: 2)
        buffer.write(webSocketErrorCode: code)
        let channel = context.channel
        return context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer))).always { _ in
            channel.close(promise: nil)
        }
    }

    // MARK: Frames from the client

    private func handle(_ bytes: [UInt8]) {
        let fields: FlatJSON.Object
        do {
            fields = try FlatJSON.parseRequest(bytes)
        } catch {
            return sendError("bad_frame", "not a JSON object")
        }
        dispatch(ClientFrame(fields: fields))
    }

    /// Runs one client frame. A subscribe or unsubscribe of a room this connection is joining or leaving waits
    /// until that join or leave is committed, so frames sent together take effect in the order they were sent.
    private func dispatch(_ frame: ClientFrame) {
        if let room = frame.room, membershipChanges[room] != nil, case .string(let type)? = frame.fields["type"], type == "subscribe" || type == "unsubscribe" {
            guard waitingFrameCount < Self.waitingFramesMax else {
                return sendError("rate_limited", "too many frames waiting for a join or leave", id: frame.id, room: room)
            }
            waitingFrames[room, default: []].append(frame)
            waitingFrameCount += 1
            return
        }
        do {
            switch try frame.string("type") {
            case "join": try join(frame)
            case "leave": try leave(frame)
            case "subscribe": try subscribe(frame)
            case "unsubscribe": try unsubscribe(frame)
            case "send": try sendMessage(frame)
            default: throw FrameError("bad_frame", "unknown frame type")
            }
        } catch let error as FrameError {
            sendError(error.code, error.message, id: frame.id, room: frame.room)
        } catch let error as RoomlogError {
            sendError(error.code, error.message, id: frame.id, room: frame.room)
        } catch {
            sendError("internal_error", "the server failed; retry", id: frame.id, room: frame.room)
        }
    }

    private func join(_ frame: ClientFrame) throws {
        let room = try frame.string("room")
        membershipChanges[room, default: 0] += 1
        submit(.join(user: session.user, room: room), frame: frame, finally: { [self] in membershipSettled(room) }) { [self] outcome in
            let head: UInt64
            switch outcome {
            case .appended(let event, _): head = event.roomSeq
            case .unchanged(let state): head = state.head
            case .repeated: return
            }
            var json = JSONWriter()
            json.string("type", "joined")
            json.string("room", room)
            json.number("head", head)
            send(json.finish())
            startSubscription(room, after: head, replacing: false)
        }
    }

    private func leave(_ frame: ClientFrame) throws {
        let room = try frame.string("room")
        stopSubscription(room)
        membershipChanges[room, default: 0] += 1
        submit(.leave(user: session.user, room: room), frame: frame, finally: { [self] in membershipSettled(room) }) { [self] _ in
            var json = JSONWriter()
            json.string("type", "left")
            json.string("room", room)
            send(json.finish())
        }
    }

    private func subscribe(_ frame: ClientFrame) throws {
        let room = try frame.string("room")
        let after = try frame.optionalInteger("after")
        let epoch = try frame.optionalString("epoch")
        guard let state = try services.store.room(named: room) else { throw RoomlogError.roomNotFound }
        guard try services.store.isMember(user: session.user, room: room) else { throw RoomlogError.notAMember }
        let recovered = epoch == nil || epoch == services.store.epoch
        var json = JSONWriter()
        json.string("type", "subscribed")
        json.string("room", room)
        json.number("head", state.head)
        json.bool("recovered", recovered)
        send(json.finish())
        if recovered, let after {
            startSubscription(room, after: min(after, state.head), replacing: true)
        } else {
            startSubscription(room, after: state.head, replacing: false)
        }
    }

    private func unsubscribe(_ frame: ClientFrame) throws {
        let room = try frame.string("room")
        stopSubscription(room)
        var json = JSONWriter()
        json.string("type", "unsubscribed")
        json.string("room", room)
        send(json.finish())
    }

    private func sendMessage(_ frame: ClientFrame) throws {
        let room = try frame.string("room")
        let body = try frame.string("body", invalid: .invalidBody)
        let id = try frame.string("id", invalid: .invalidId)
        guard services.sendLimiter.allow(session.id, now: services.clock().milliseconds) else { throw FrameError("rate_limited", "too many messages; slow down") }
        submit(.post(user: session.user, room: room, body: body, clientId: id), frame: frame) { [self] outcome in
            let receipt: MessageReceipt
            switch outcome {
            case .appended(let event, _): receipt = MessageReceipt(id: id, room: room, seq: event.seq, roomSeq: event.roomSeq)
            case .repeated(let first): receipt = first
            case .unchanged: return
            }
            var json = JSONWriter()
            json.string("type", "ack")
            json.string("id", receipt.id)
            json.string("room", receipt.room)
            json.number("seq", receipt.seq)
            json.number("roomSeq", receipt.roomSeq)
            send(json.finish())
        }
    }

    // MARK: Subscriptions

    /// Sends every event of `room` after `roomSeq` from the log, then follows it live. `replacing` restarts a
    /// subscription the connection already has (a subscribe with `after`); otherwise an existing one stays as it is.
    private func startSubscription(_ room: String, after roomSeq: UInt64, replacing: Bool) {
        let subscribed = subscriptionsByRoom[room] != nil || catchingUp[room] != nil
        guard replacing || !subscribed else { return }
        stopSubscription(room)
        catchingUp[room] = roomSeq
        continueCatchUp()
    }

    /// Sends the next page (`catchUpPageEventsMax`) of each room being caught up, one page per loop tick while the
    /// client keeps up, and pauses while the outbox is full (`channelWritabilityChanged` resumes), so a long
    /// catch-up neither holds the loop nor piles up frames. A page that comes back short reached the head: the room
    /// goes live in that same tick, so every event the hub delivers afterwards is past what the page held, and the
    /// hub skips any `roomSeq` already sent: no gap, no repeat.
    private func continueCatchUp() {
        guard let context, !closed else { return }
        let pageEvents = services.configuration.catchUpPageEventsMax
        for (room, last) in catchingUp {
            guard context.channel.isWritable else { return }
            do {
                let events = try services.store.roomEvents(room, after: last, limit: pageEvents)?.events ?? []
                for event in events { send(EventFrames.event(event)) }
                let sent = events.last?.roomSeq ?? last
                guard events.count == pageEvents else {
                    catchingUp[room] = nil
                    let subscription = Subscription(room: room, connection: self, last: sent)
                    subscriptionsByRoom[room] = subscription
                    hub.subscribe(subscription)
                    continue
                }
                catchingUp[room] = sent
            } catch {
                catchingUp[room] = nil
                sendError("internal_error", "could not read the room's history; subscribe again", room: room)
            }
        }
        guard !catchingUp.isEmpty, !catchUpScheduled else { return }
        catchUpScheduled = true
        context.eventLoop.execute { [self] in
            catchUpScheduled = false
            continueCatchUp()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, !catchingUp.isEmpty { continueCatchUp() }
        context.fireChannelWritabilityChanged()
    }

    private func stopSubscription(_ room: String) {
        catchingUp[room] = nil
        guard let subscription = subscriptionsByRoom.removeValue(forKey: room) else { return }
        hub.unsubscribe(subscription)
    }

    /// A join or leave of `room` was committed or refused: runs the frames that waited for it once none is left.
    private func membershipSettled(_ room: String) {
        membershipChanges[room, default: 1] -= 1
        guard membershipChanges[room] == 0 else { return }
        membershipChanges[room] = nil
        let frames = waitingFrames.removeValue(forKey: room) ?? []
        waitingFrameCount -= frames.count
        for frame in frames { dispatch(frame) }
    }

    /// Submits `command` to the writer; `then` runs on this connection's loop with the outcome, or the error is
    /// sent as an error frame; `finally` runs after either.
    private func submit(_ command: Command, frame: ClientFrame, finally: (() -> Void)? = nil, then: @escaping (CommandOutcome) -> Void) {
        let loop = hub.loop
        let box = NIOLoopBound((self, then, finally), eventLoop: loop)
        services.writer.submit(command) { result in
            loop.execute {
                let (connection, then, finally) = box.value
                switch result {
                case .success(let outcome): then(outcome)
                case .failure(let error as RoomlogError): connection.sendError(error.code, error.message, id: frame.id, room: frame.room)
                case .failure: connection.sendError("unavailable", "the log could not take the command; retry", id: frame.id, room: frame.room)
                }
                finally?()
            }
        }
    }

    func sendError(_ code: String, _ message: String, id: String? = nil, room: String? = nil) {
        var json = JSONWriter()
        json.string("type", "error")
        json.string("code", code)
        json.string("message", message)
        if let id { json.string("id", id) }
        if let room { json.string("room", room) }
        send(json.finish())
    }

    private func hello() throws -> [UInt8] {
        let rooms = try services.store.rooms(of: session.user).compactMap { name in try services.store.room(named: name).map { (name, $0.head) } }
        var json = JSONWriter()
        json.string("type", "hello")
        json.string("user", session.user)
        json.string("epoch", services.store.epoch)
        json.number("head", try services.store.head())
        json.numbers("rooms", rooms)
        return json.finish()
    }
}

/// A frame error with its protocol code.
struct FrameError: Error {
    let code: String
    let message: String
    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A client frame's fields, read with the protocol's rules (a missing field or one of the wrong type is `bad_frame`).
struct ClientFrame {
    let fields: FlatJSON.Object

    var id: String? { if case .string(let id)? = fields["id"] { return id } else { return nil } }
    var room: String? { if case .string(let room)? = fields["room"] { return room } else { return nil } }

    func string(_ name: String, invalid: RoomlogError? = nil) throws -> String {
        switch fields[name] {
        case .string(let value)?: return value
        case .invalidText? where invalid != nil: throw invalid!
        case nil: throw FrameError("bad_frame", "missing field \(name)")
        default: throw FrameError("bad_frame", "field \(name) must be a string")
        }
    }

    func optionalString(_ name: String) throws -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        default: return try string(name)
        }
    }

    func optionalInteger(_ name: String) throws -> UInt64? {
        switch fields[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw FrameError("bad_frame", "field \(name) must be a non-negative integer")
        }
    }
}

/// Frames the server sends.
enum EventFrames {
    /// `{"type":"event","event":{record}}`.
    static func event(_ event: Event) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "event")
        json.raw("event", event.jsonRecord)
        return json.finish()
    }
}
