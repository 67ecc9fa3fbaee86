import Glibc
import RoomlogCore

/// How keys of the store's databases are laid out. Names never contain a 0 byte, so 0 separates two names.
enum StoreKeys {
    /// Whether `a` sorts before `b` the way LMDB compares keys (memcmp, then length).
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in precedes(a, b) } }
    }

    /// Whether `a` sorts before `b` the way LMDB compares keys (memcmp, then length).
    static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
        return order != 0 ? order < 0 : a.count < b.count
    }

    /// Whether `a`'s UTF-8 bytes sort before `b`'s: the order of keys that start with them.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { a in b.withUTF8 { b in precedes(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b)) } }
    }

    /// Writes `value` as 8 big-endian bytes at `offset` of `bytes`.
    static func writeBigEndian(_ value: UInt64, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(index))) }
    }

    /// 8 big-endian bytes: sorts numerically.
    static func seq(_ seq: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.writeBigEndian(seq)
        return writer.bytes
    }

    /// Calls `body` with the 8 big-endian bytes of `seq`, kept on the stack.
    static func withSeq<R>(_ seq: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var bigEndian = seq.bigEndian
        return try withUnsafeBytes(of: &bigEndian) { try body($0) }
    }

    /// The number in 8 big-endian bytes.
    static func seq(from bytes: UnsafeRawBufferPointer) -> UInt64 {
        precondition(bytes.count >= 8, "a seq key has 8 bytes")
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[i]) }
        return value
    }

    /// `first`, a 0 byte, `second`.
    static func pair(_ first: String, _ second: String) -> [UInt8] {
        var key = Array(first.utf8)
        key.append(0)
        key.append(contentsOf: second.utf8)
        return key
    }

    /// Calls `body` with the `pair` key of `first` and `second`, kept on the stack.
    static func withPair<R>(_ first: String, _ second: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let firstCount = first.utf8.count
        return try withUnsafeTemporaryAllocation(byteCount: firstCount + 1 + second.utf8.count, alignment: 1) { key in
            key.copyBytes(from: first.utf8)
            key[firstCount] = 0
            UnsafeMutableRawBufferPointer(rebasing: key[(firstCount + 1)...]).copyBytes(from: second.utf8)
            return try body(UnsafeRawBufferPointer(key))
        }
    }

    /// The two names of a `pair` key.
    static func names(from key: UnsafeRawBufferPointer) -> (String, String)? {
        guard let separator = key.firstIndex(of: 0) else { return nil }
        return (String(decoding: key[..<separator], as: UTF8.self), String(decoding: key[(separator + 1)...], as: UTF8.self))
    }

    /// The prefix of every `pair` key whose first name is `first`.
    static func prefix(_ first: String) -> [UInt8] {
        var key = Array(first.utf8)
        key.append(0)
        return key
    }

    /// A room's name, a 0 byte, and the big-endian `roomSeq`.
    static func roomEvent(_ room: String, _ roomSeq: UInt64) -> [UInt8] {
        prefix(room) + seq(roomSeq)
    }

    /// Calls `body` with the `roomEvent` key of `room` and `roomSeq`, kept on the stack.
    static func withRoomEvent<R>(_ room: String, _ roomSeq: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let roomCount = room.utf8.count
        return try withUnsafeTemporaryAllocation(byteCount: roomCount + 1 + 8, alignment: 1) { key in
            key.copyBytes(from: room.utf8)
            key[roomCount] = 0
            key.storeBytes(of: roomSeq.bigEndian, toByteOffset: roomCount + 1, as: UInt64.self)
            return try body(UnsafeRawBufferPointer(key))
        }
    }

    /// The big-endian expiry time followed by the token digest: sessions in order of expiry.
    static func expiry(_ expiresAt: Timestamp, _ digest: TokenDigest) -> [UInt8] {
        seq(UInt64(bitPattern: expiresAt.milliseconds)) + digest.bytes
    }
}
