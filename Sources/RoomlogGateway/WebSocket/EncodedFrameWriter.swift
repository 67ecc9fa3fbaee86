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
}

/// Server-to-client WebSocket frames encoded whole (unmasked, as RFC 6455 requires of a server).
enum EncodedFrame {
    /// A final text frame carrying `payload`; `compressed` sets RSV1 (permessage-deflate).
    static func text(_ payload: [UInt8], compressed: Bool = false) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.count + 10)
        buffer.writeInteger(UInt8(0x81 | (compressed ? 0x40 : 0)))
        switch payload.count {
        case ..<126:
            buffer.writeInteger(UInt8(payload.count))
        case ...Int(UInt16.max):
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payload.count))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payload.count))
        }
        buffer.writeBytes(payload)
        return buffer
    }
}
