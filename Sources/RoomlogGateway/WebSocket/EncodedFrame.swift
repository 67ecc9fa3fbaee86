import NIOCore
import NIOWebSocket

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

    /// A control frame (ping 0x9, pong 0xA, close 0x8) carrying `payload` (at most 125 bytes).
    static func control(_ opcode: WebSocketOpcode, _ payload: ByteBuffer = ByteBuffer()) -> ByteBuffer {
        precondition(payload.readableBytes <= 125, "a control frame carries at most 125 bytes")
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x80) | UInt8(webSocketOpcode: opcode))
        buffer.writeInteger(UInt8(payload.readableBytes))
        buffer.writeImmutableBuffer(payload)
        return buffer
    }

    /// The permessage-deflate frame of `json` (RSV1 set), or nil when `json` is shorter than
    /// `PerMessageDeflate.compressBytesMin` and goes out plain.
    static func compressed(_ json: [UInt8], with deflater: Deflater) -> ByteBuffer? {
        json.count >= PerMessageDeflate.compressBytesMin ? text(deflater.compress(json), compressed: true) : nil
    }
}
