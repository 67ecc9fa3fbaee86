import NIOCore

/// The first handler of every connection: closes it unless a whole request head (up to its blank line) arrives
/// within `timeout` of the connection opening, and closes it at once on graceful shutdown while the head is still
/// incomplete. It removes itself once the head is in: from then on the HTTP idle timeout (between requests) or the
/// WebSocket's ping applies.
final class RequestHeadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// The last bytes read, to find `\r\n\r\n` across reads.
    private var tail: UInt32 = 0

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        var complete = false
        for byte in bytes.readableBytesView {
            tail = tail << 8 | UInt32(byte)
            if tail == 0x0D0A_0D0A {
                complete = true
                break
            }
        }
        context.fireChannelRead(data)
        if complete { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
