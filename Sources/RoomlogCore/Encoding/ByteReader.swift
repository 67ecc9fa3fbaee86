/// Reads what `ByteWriter` wrote, throwing `ByteReader.Failure` instead of reading past the end or accepting bad UTF-8.
public struct ByteReader {
    /// Why bytes could not be read.
    public enum Failure: Error, Equatable, Sendable {
        case truncated
        case badVarint
        case badUTF8
    }

    let buffer: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public private(set) var offset = 0

    /// A reader over `buffer`, which must outlive it.
    public init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }

    /// True when every byte has been read.
    public var isAtEnd: Bool { offset == buffer.count }

    /// Reads one byte.
    public mutating func readByte() throws(Failure) -> UInt8 {
        guard offset < buffer.count else { throw .truncated }
        defer { offset += 1 }
        return buffer[offset]
    }

    /// Reads 8 big-endian bytes.
    public mutating func readBigEndian() throws(Failure) -> UInt64 {
        guard buffer.count - offset >= 8 else { throw .truncated }
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(buffer[offset + i]) }
        offset += 8
        return value
    }

    /// Reads a LEB128 unsigned integer of at most 10 bytes.
    public mutating func readVarint() throws(Failure) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64, !(shift == 63 && byte > 1) else { throw .badVarint }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads `count` raw bytes.
    public mutating func readBytes(_ count: Int) throws(Failure) -> [UInt8] {
        guard count >= 0, buffer.count - offset >= count else { throw .truncated }
        defer { offset += count }
        return Array(buffer[offset..<(offset + count)])
    }

    /// Whether every byte is below 0x80 (ASCII is valid UTF-8 and decodes without the general validator),
    /// checked eight bytes at a time.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var high: UInt64 = 0
        while bytes.count - index >= 8 {
            high |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            high |= UInt64(bytes[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// The text of `bytes` if they are valid UTF-8, else nil. ASCII takes a fast path.
    public static func string(validating bytes: UnsafeRawBufferPointer) -> String? {
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Reads a length-prefixed UTF-8 string, refusing invalid UTF-8.
    public mutating func readString() throws(Failure) -> String {
        let slice = try readStringBytes()
        guard let text = Self.string(validating: slice) else { throw .badUTF8 }
        offset += slice.count
        return text
    }

    /// Checks and passes over a length-prefixed UTF-8 string without making a `String` of it, refusing invalid UTF-8
    /// as `readString()` does.
    public mutating func skipString() throws(Failure) {
        let slice = try readStringBytes()
        guard Self.isASCII(slice) || String(validating: slice, as: UTF8.self) != nil else { throw .badUTF8 }
        offset += slice.count
    }

    /// The bytes of the length-prefixed string at the offset, which is left just after the length.
    private mutating func readStringBytes() throws(Failure) -> UnsafeRawBufferPointer {
        let length = try readVarint()
        guard length <= UInt64(buffer.count - offset) else { throw .truncated }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + Int(length))])
    }
}
