import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import RoomlogCore
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

    @Test("batch frames: consecutive events of a room, each frame within the byte limit, every event once in order; one too big alone goes as an event frame")
    func batches() throws {
        let at = Timestamp(milliseconds: 1_764_000_000_000)
        var events = (1...40).map { index in
            Event(seq: UInt64(100 + index), at: at, roomSeq: UInt64(index),
                  payload: .messagePosted(user: "alice", room: "kkbox", body: String(repeating: "語", count: index * 3), clientId: "c\(index)"))
        }
        events[20].payload = .messagePosted(user: "alice", room: "kkbox", body: String(repeating: "x", count: 1200), clientId: "big")
        let frames = EventFrames.batches(room: "kkbox", events, bytesMax: 1024)
        var roomSeqs: [Int] = []
        for frame in frames {
            #expect(frame.json.count <= 1024 || frame.first == 21)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(frame.json)) as? [String: Any])
            let records = json["type"] as? String == "events" ? json["events"] as? [[String: Any]] ?? [] : [json["event"] as? [String: Any] ?? [:]]
            #expect(json["type"] as? String == (frame.first == 21 ? "event" : "events"))
            if json["type"] as? String == "events" { #expect(json["room"] as? String == "kkbox") }
            let seqs = records.compactMap { $0["roomSeq"] as? Int }
            #expect(seqs.first == Int(frame.first) && seqs.last == Int(frame.last) && seqs == Array(seqs.indices.map { Int(frame.first) + $0 }))
            roomSeqs += seqs
        }
        #expect(roomSeqs == Array(1...40))
        #expect(frames.count > 2 && frames.contains { $0.last - $0.first >= 3 })
    }
}
