import Foundation
import Testing
@testable import RoomlogCore

@Suite("Event codec")
struct EventCodecTests {
    @Test("every event type survives a round trip", arguments: SampleEvents.all)
    func roundTrip(event: Event) throws {
        let bytes = EventCodec.encode(event)
        #expect(bytes.first == EventCodec.currentFormat)
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
    func badUTF8WithValidChecksum() {
        var writer = ByteWriter()
        writer.write(EventCodec.currentFormat)
        writer.write(EventType.userRegistered.code)
        writer.writeBigEndian(0)
        writer.writeVarint(2)
        writer.write(bytes: [0xC3, 0x28])
        writer.writeString("hash")
        let crc = CRC32.checksum(writer.bytes)
        writer.write(bytes: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)])
        #expect(throws: EventDecodingError(seq: 3, reason: .badUTF8)) { try EventCodec.decode(seq: 3, writer.bytes) }
    }

    @Test("the CRC is the standard CRC-32")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("records written in format 1 keep decoding")
    func committedFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "events-format-1", withExtension: "hex", subdirectory: "Fixtures"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == SampleEvents.all.count)
        for (line, expected) in zip(lines, SampleEvents.all) {
            let fields = line.split(separator: " ")
            let bytes = try #require(Hex.decode(String(fields[1])))
            #expect(try EventCodec.decode(seq: UInt64(fields[0])!, bytes) == expected)
        }
    }
}
