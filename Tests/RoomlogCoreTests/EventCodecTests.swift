import Foundation
import Testing
@testable import RoomlogCore

@Suite("Event codec")
struct EventCodecTests {
    @Test("every event type survives a round trip", arguments: SampleEvents.all)
    func roundTrip(event: Event) throws {
        let bytes = EventCodec.encode(event)
        #expect(bytes.first == EventCodec.currentFormat)
        #expect(bytes.count <= EventCodec.encodedBytesMax(event.payload))
        #expect(try EventCodec.decode(seq: event.seq, bytes) == event)
    }

    @Test("a flipped byte anywhere is an error naming the seq, never a crash")
    func flippedBytes() {
        for event in SampleEvents.all {
            let bytes = EventCodec.encode(event)
            for index in bytes.indices {
                var damaged = bytes
                damaged[index] ^= 0x5A
                #expect(throws: EventDecodingError.self) { try EventCodec.decode(seq: 77, damaged) }
                do {
                    _ = try EventCodec.decode(seq: 77, damaged)
                } catch {
                    #expect(error.seq == 77)
                }
            }
        }
    }

    @Test("a replay's decoding leaves only a message's body out", arguments: SampleEvents.all)
    func decodingWithoutBody(event: Event) throws {
        var expected = event
        if case .messagePosted(let user, let room, _, let clientId) = event.payload {
            expected = Event(seq: event.seq, at: event.at, roomSeq: event.roomSeq, payload: .messagePosted(user: user, room: room, body: "", clientId: clientId))
        }
        let decoded = try EventCodec.encode(event).withUnsafeBytes { try EventCodec.decode(seq: event.seq, $0, keepingBody: false) }
        #expect(decoded == expected)
    }

    @Test("a body that is not UTF-8 is refused even when the body is not kept")
    func badBodyNotKept() throws {
        let record = try Self.record(.messagePosted) { writer in
            writer.writeVarint(1)
            writer.writeString("alice")
            writer.writeString("kkbox")
            writer.writeVarint(3)
            writer.write(bytes: [0x61, 0xC3, 0x28])
            writer.write(0)
        }
        for keepingBody in [true, false] {
            #expect(throws: EventDecodingError(seq: 4, reason: .badUTF8)) {
                try record.withUnsafeBytes { try EventCodec.decode(seq: 4, $0, keepingBody: keepingBody) }
            }
        }
    }

    /// A hand-made record of `type` in today's format: its header (`at` 0), the fields `writeFields` writes, and the
    /// checksum, as `EventCodec.encode` lays one out.
    static func record(_ type: EventType, _ writeFields: (inout ByteWriter) -> Void) throws -> [UInt8] {
        var writer = ByteWriter()
        writer.write(EventCodec.currentFormat)
        writer.write(type.code)
        writer.writeBigEndian(0)
        writeFields(&writer)
        let crc = try #require(writer.bytes.withUnsafeBytes { EventCodec.checksum(format: EventCodec.currentFormat, $0) })
        return writer.bytes + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)]
    }

    @Test("every truncation is an error")
    func truncated() {
        for event in SampleEvents.all {
            let bytes = EventCodec.encode(event)
            for length in 0..<bytes.count {
                #expect(throws: EventDecodingError.self) { try EventCodec.decode(seq: 5, Array(bytes.prefix(length))) }
            }
        }
    }

    @Test("an unknown format byte is named")
    func unknownFormat() {
        var bytes = EventCodec.encode(SampleEvents.all[0])
        bytes[0] = 9
        #expect(throws: EventDecodingError(seq: 1, reason: .unknownFormat(9))) { try EventCodec.decode(seq: 1, bytes) }
    }

    @Test("a record with a valid checksum but bad UTF-8 is refused")
    func badUTF8WithValidChecksum() throws {
        let record = try Self.record(.userRegistered) { writer in
            writer.writeVarint(2)
            writer.write(bytes: [0xC3, 0x28])
            writer.writeString("hash")
        }
        #expect(throws: EventDecodingError(seq: 3, reason: .badUTF8)) { try EventCodec.decode(seq: 3, record) }
    }

    @Test("the CRC is the standard CRC-32")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    /// A bit-by-bit reflected CRC with `polynomial`.
    static func reference(_ polynomial: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? polynomial ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// Slices of a 300-byte buffer at every length (by 7) and alignment (0 to 8).
    static let slices: [ArraySlice<UInt8>] = {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }
        return (0..<9).flatMap { start in stride(from: start, through: bytes.count, by: 7).map { bytes[start..<$0] } }
    }()

    @Test("the sliced CRC equals a bit-by-bit CRC at every length and alignment")
    func crcMatchesReference() {
        for slice in Self.slices { #expect(CRC32.checksum(Array(slice)) == Self.reference(0xEDB8_8320, slice)) }
    }

    @Test("CRC-32C has its standard check value, by instruction and by table")
    func crc32cCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.portableChecksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test("CRC-32C by instruction and by table equals a bit-by-bit CRC-32C at every length and alignment")
    func crc32cMatchesReference() {
        for slice in Self.slices {
            #expect(CRC32C.checksum(Array(slice)) == Self.reference(0x82F6_3B78, slice))
            #expect(CRC32C.portableChecksum(Array(slice)) == Self.reference(0x82F6_3B78, slice))
        }
    }

    @Test("records written in every earlier format keep decoding", arguments: [1, 2])
    func committedFixture(format: Int) throws {
        let url = try #require(Bundle.module.url(forResource: "events-format-\(format)", withExtension: "hex", subdirectory: "Fixtures"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == SampleEvents.all.count)
        for (line, expected) in zip(lines, SampleEvents.all) {
            let fields = line.split(separator: " ")
            let bytes = try #require(Hex.decode(String(fields[1])))
            #expect(bytes.first == UInt8(format))
            #expect(try EventCodec.decode(seq: UInt64(fields[0])!, bytes) == expected)
        }
    }
}
