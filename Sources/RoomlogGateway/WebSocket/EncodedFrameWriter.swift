import NIOCore

/// A pass-through at the head end of a WebSocket pipeline. `ChatConnection` writes complete, pre-encoded frames
/// through this handler's context, below the frame encoder, so one buffer per event (header included) is shared
/// by every subscriber and nothing is encoded per write. Writes stay in call order with the encoder's, because both
/// run synchronously on the channel's loop.
final class EncodedFrameWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes `frame`, which must be a whole encoded WebSocket frame, without flushing.
    func write(_ frame: ByteBuffer) {
        context?.write(wrapOutboundOut(frame), promise: nil)
    }

    /// Flushes the channel from here, next to its head: no handler above has writes of its own to flush (every
    /// frame comes through here), so a flush need not pass through them.
    func flush() {
        context?.flush()
    }
}
