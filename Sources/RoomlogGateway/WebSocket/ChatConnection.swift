import NIOCore
import NIOWebSocket
import RoomlogCore
import RoomlogStore
import Synchronization

/// One client's WebSocket as a plain NIO handler on its event loop (no task per connection). It feeds what it
/// reads to its state machines and performs what they return: `ConnectionStateMachine` (open, closing, closed,
/// liveness), `MessageAssembler` (reassembly and inflation) and `RoomFeeds` (catching up or live, per room).
/// Commands are in `ChatConnection+Commands.swift`, rooms followed in `+Feeds`, writing in `+Outbox`, closing and
/// liveness in `+Closing`.
final class ChatConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let session: Session
    let services: GatewayServices
    let hub: Hub
    /// Whether permessage-deflate was negotiated.
    let deflate: Bool
    /// Whether the client asked for batched event frames (`/api/v1/ws?batch=1`, version 1.2).
    let batch: Bool
    /// Where whole, pre-encoded frames are written, below the frame encoder.
    let encodedFrames: EncodedFrameWriter
    /// Completed when the connection has closed.
    let closeFuture: EventLoopFuture<Void>
    var context: ChannelHandlerContext?
    /// The context's channel while the handler is in its pipeline (kept: the hub asks it on every write).
    var channel: (any Channel)?
    var state: ConnectionStateMachine
    var assembler: MessageAssembler
    var feeds: RoomFeeds<Subscription>
    var catchUpScheduled = false
    /// Whether the hub has this connection on its list to flush.
    var flushPending = false
    /// Its live subscriptions that events have reached since its last flush (the flush writes them).
    var behind: [Subscription] = []
    var closeTimer: Scheduled<Void>?

    init(session: Session, services: GatewayServices, hub: Hub, deflate: Bool, batch: Bool = false, encodedFrames: EncodedFrameWriter,
         closeFuture: EventLoopFuture<Void>) {
        self.session = session
        self.services = services
        self.hub = hub
        self.deflate = deflate
        self.batch = batch
        self.encodedFrames = encodedFrames
        self.closeFuture = closeFuture
        let configuration = services.configuration
        state = ConnectionStateMachine(now: Self.milliseconds(hub.loop), pingIntervalMilliseconds: configuration.pingIntervalMilliseconds)
        assembler = MessageAssembler(bytesMax: configuration.frameBytesMax, deflate: deflate)
        feeds = RoomFeeds(waitingMax: configuration.waitingFramesMax)
    }

    /// The loop's monotonic time in milliseconds, for liveness (an embedded loop's is the time tests advance).
    var now: Int64 { Self.milliseconds(hub.loop) }

    static func milliseconds(_ loop: any EventLoop) -> Int64 { Int64(loop.now.uptimeNanoseconds / 1_000_000) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        channel = context.channel
        hub.add(self)
        if deflate { services.hubs.deflateConnections.add(1, ordering: .relaxed) }
        sayHello()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        for subscription in feeds.live { hub.unsubscribe(subscription) }
        behind.removeAll()
        hub.remove(self)
        if deflate { services.hubs.deflateConnections.subtract(1, ordering: .relaxed) }
        closeTimer?.cancel()
        self.context = nil
        channel = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.channelClosed()
        context.fireChannelInactive()
    }

    /// The server shutting down closes with 1001. A client that goes away without a close frame half-closes the
    /// socket: close our side too.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { return close(code: .serverShuttingDown) }
        guard let event = event as? ChannelEvent, event == .inputClosed else { return context.fireUserInboundEventTriggered(event) }
        state.channelClosed()
        context.close(promise: nil)
    }

    /// Control frames are answered in every state; data frames are dispatched only while open and the session lives.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let open = state.received(now: now)
        switch frame.opcode {
        case .connectionClose:
            switch state.peerClosed(payload: frame.unmaskedData) {
            case .reply(let code):
                let closed = context.eventLoop.makePromise(of: Void.self)
                closed.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
                writeClose(code, promise: closed)
            case .closeConnection: context.close(promise: nil)
            }
        case .ping:
            if open { write(EncodedFrame.control(.pong, frame.unmaskedData)) }
        case .pong:
            return
        case .text, .binary, .continuation:
            guard open else { return }
            guard session.expiresAt > services.clock() else { return close(code: .sessionClosed) }
            switch assembler.append(opcode: frame.opcode, fin: frame.fin, rsv1: frame.rsv1, data: frame.unmaskedData, inflater: hub.inflater) {
            case .needMore: return
            case .message(let bytes):
                let started = LogWriter.monotonicNanoseconds()
                run(bytes)
                services.metrics.record(.frameRead, nanoseconds: LogWriter.monotonicNanoseconds() &- started)
            case .close(let code): close(code: code)
            }
        default:
            close(code: .protocolError)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { continueCatchUp() }
        context.fireChannelWritabilityChanged()
    }
}
