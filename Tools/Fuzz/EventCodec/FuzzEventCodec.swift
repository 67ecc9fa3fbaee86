import RoomlogCore
import RoomlogFuzzSupport

@main
enum Fuzz: FuzzTarget {
    /// Decodes any bytes as a stored event, as they are and sealed with a valid format-2 checksum (so the fuzzer gets
    /// past the checksum into the fields): never a crash; what decodes encodes back to an event that decodes the same.
    static func check(_ bytes: [UInt8]) {
        decode(bytes)
        guard bytes.count >= 14 else { return }
        var sealed = Array(bytes.dropLast(4))
        sealed[0] = 2
        let crc = CRC32C.checksum(sealed)
        decode(sealed + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)])
    }

    static func decode(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { try? EventCodec.decode(seq: 7, $0, keepingBody: false) }
        guard let event = try? EventCodec.decode(seq: 7, bytes) else { return }
        let again = try? EventCodec.decode(seq: 7, EventCodec.encode(event))
        precondition(again == event, "an event that decodes must survive a round trip")
    }
}
