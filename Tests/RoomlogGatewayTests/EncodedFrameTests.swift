import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
@testable import RoomlogGateway

@Suite("Pre-encoded broadcast frames")
struct EncodedFrameTests {
    /// What NIO's own frame encoder writes for a final text frame with `payload`.
    func encodedByNIO(_ payload: [UInt8], compressed: Bool) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeAndFlush(WebSocketFrame(fin: true, rsv1: compressed, opcode: .text, data: ByteBuffer(bytes: payload))).wait()
        var bytes: [UInt8] = []
        while var part = try channel.readOutbound(as: ByteBuffer.self) { bytes += part.readBytes(length: part.readableBytes) ?? [] }
        _ = try channel.finish()
        return bytes
    }

    @Test("equal NIO's encoder byte for byte at every length boundary, plain and compressed", arguments: [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
    func sameBytesAsNIO(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for compressed in [false, true] {
            var frame = EncodedFrame.text(payload, compressed: compressed)
            #expect(frame.readBytes(length: frame.readableBytes) == (try encodedByNIO(payload, compressed: compressed)))
        }
    }

    @Test("a message under compressBytesMin goes out plain; from it on, compressed with RSV1 and inflating back to itself")
    func compressionThreshold() throws {
        let short = [UInt8](repeating: UInt8(ascii: "a"), count: PerMessageDeflate.compressBytesMin - 1)
        #expect(EncodedFrame.compressed(short, with: Deflater()) == nil)
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: PerMessageDeflate.compressBytesMin)
        var frame = try #require(EncodedFrame.compressed(long, with: Deflater()))
        let bytes = frame.readBytes(length: frame.readableBytes) ?? []
        #expect(bytes[0] == 0xC1)
        #expect(try Inflater().decompress(Array(bytes[2...]), bytesMax: 1024) == long)
    }
}
