/// A parser for the flat JSON objects Roomlog writes: one object whose values are strings, non-negative integers,
/// booleans or null. Strict: a lone surrogate escape, a control character in a string, trailing bytes or a nested
/// value are errors.
public enum FlatJSON {
    /// A member's value.
    public enum Value: Equatable, Sendable {
        case string(String)
        case integer(UInt64)
        case bool(Bool)
        case null
    }

    /// The members of one object, in order. Records have a dozen members at most, so a scan beats hashing.
    public struct Object: Equatable, Sendable {
        /// The members as they appeared.
        public var members: [(key: String, value: Value)]

        /// The value of the last member named `key`.
        public subscript(key: String) -> Value? {
            members.last(where: { $0.key == key })?.value
        }

        public static func == (lhs: Object, rhs: Object) -> Bool {
            lhs.members.count == rhs.members.count && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }
    }

    /// Why the text is not a flat object, and where.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The byte offset.
        public let offset: Int
        /// What was expected.
        public let expected: String
        public var description: String { "expected \(expected) at byte \(offset)" }
    }

    /// The members of the object in `bytes`; throws `ParseError`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> Object {
        var parser = Parser(bytes: bytes)
        return try parser.object()
    }

    /// The members of the object in `bytes`; throws `ParseError`.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> Object {
        do {
            return try bytes.withUnsafeBytes { buffer in try parse(buffer) }
        } catch let error as ParseError {
            throw error
        } catch {
            preconditionFailure("unexpected \(error)")
        }
    }

    struct Parser {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        mutating func fail(_ expected: String) -> ParseError { ParseError(offset: index, expected: expected) }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(ParseError) {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { throw fail(what) }
            index += 1
        }

        mutating func object() throws(ParseError) -> Object {
            try expect(UInt8(ascii: "{"), "{")
            var members: [(key: String, value: Value)] = []
            members.reserveCapacity(12)
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipSpace()
                    let key = try string()
                    try expect(UInt8(ascii: ":"), ":")
                    members.append((key, try value()))
                    skipSpace()
                    guard index < bytes.count else { throw fail(", or }") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                    throw fail(", or }")
                }
            }
            skipSpace()
            guard index == bytes.count else { throw fail("the end of the object") }
            return Object(members: members)
        }

        mutating func value() throws(ParseError) -> Value {
            skipSpace()
            guard index < bytes.count else { throw fail("a value") }
            switch bytes[index] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: throw fail("a string, a non-negative integer, true, false or null")
            }
        }

        mutating func literal(_ word: StaticString) throws(ParseError) {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count,
                  (0..<count).allSatisfy({ bytes[index + $0] == word.utf8Start[$0] }) else { throw fail("\(word)") }
            index += count
        }

        mutating func integer() throws(ParseError) -> UInt64 {
            var value: UInt64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { throw fail("an integer below 2^64") }
                value = sum
                index += 1
            }
            guard !(index - start > 1 && bytes[start] == UInt8(ascii: "0")) else { throw fail("an integer without leading zeros") }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                throw fail("an integer")
            }
            return value
        }

        mutating func string() throws(ParseError) -> String {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("a string") }
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
                index += 1
            }
            guard index < bytes.count else { throw fail("the end of the string") }
            if bytes[index] == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard let text = ByteReader.string(validating: raw) else { throw ParseError(offset: start, expected: "valid UTF-8") }
                return text
            }
            var scalars = Array(bytes[start..<index])
            return try escapedString(continuing: &scalars, from: start)
        }

        mutating func escapedString(continuing utf8: inout [UInt8], from start: Int) throws(ParseError) -> String {
            while true {
                guard index < bytes.count else { throw fail("the end of the string") }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = utf8.withUnsafeBytes({ ByteReader.string(validating: $0) }) else { throw ParseError(offset: start, expected: "valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    try unescape(into: &utf8)
                case 0..<0x20:
                    index -= 1
                    throw fail("no control character in a string")
                default:
                    utf8.append(byte)
                }
            }
        }

        mutating func unescape(into utf8: inout [UInt8]) throws(ParseError) {
            guard index < bytes.count else { throw fail("an escape") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw fail("a low surrogate after a high surrogate")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("a low surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw fail("no lone low surrogate")
                }
                utf8.append(contentsOf: String(Character(Unicode.Scalar(code)!)).utf8)
            default:
                index -= 1
                throw fail("a valid escape")
            }
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard bytes.count - index >= 4 else { throw fail("four hex digits") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail("four hex digits")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }
    }
}
