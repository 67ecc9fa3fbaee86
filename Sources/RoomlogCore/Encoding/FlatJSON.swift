/// A parser for flat JSON objects: the records Roomlog writes, and the bodies and frames clients send.
///
/// `parse` is strict: values are strings, non-negative integers, booleans or null; a lone surrogate escape, a
/// control character in a string, trailing bytes or a nested value are errors. `parseRequest` accepts any valid
/// JSON object: nested arrays and objects and other numbers become opaque values (clients may send fields the
/// server ignores), and a string with a lone surrogate escape becomes `.invalidText`, so the caller can answer
/// with the right error code for that field.
public enum FlatJSON {
    /// A member's value.
    public enum Value: Equatable, Sendable {
        case string(String)
        case integer(UInt64)
        case bool(Bool)
        case null
        /// An array or object, or a number that is negative or not an integer (`parseRequest` only).
        case opaque
        /// A string holding a lone surrogate escape such as `\ud800` (`parseRequest` only).
        case invalidText
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

    /// The members of a client's JSON object, tolerating what `parse` refuses but JSON allows; throws `ParseError`
    /// for text that is not one JSON object.
    public static func parseRequest(_ bytes: [UInt8]) throws(ParseError) -> Object {
        do {
            return try bytes.withUnsafeBytes { buffer in
                var parser = Parser(bytes: buffer, lenient: true)
                return try parser.object()
            }
        } catch let error as ParseError {
            throw error
        } catch {
            preconditionFailure("unexpected \(error)")
        }
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
        var lenient = false
        var index = 0
        var sawLoneSurrogate = false
        /// How deep `skipNested` may go.
        static let nestingDepthMax = 64

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
            case UInt8(ascii: "\""):
                sawLoneSurrogate = false
                let text = try string()
                return sawLoneSurrogate ? .invalidText : .string(text)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                return lenient ? try number() : .integer(try integer())
            case UInt8(ascii: "-") where lenient:
                return try number()
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                guard lenient else { throw fail("a string, a non-negative integer, true, false or null") }
                try skipNested(depth: 0)
                return .opaque
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: throw fail("a string, a non-negative integer, true, false or null")
            }
        }

        /// A JSON number: an integer value when it is a non-negative integer that fits, else opaque.
        mutating func number() throws(ParseError) -> Value {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digitsStart, !(index - digitsStart > 1 && bytes[digitsStart] == UInt8(ascii: "0")) else { throw fail("a number") }
            var isInteger = bytes[start] != UInt8(ascii: "-")
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                let fraction = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > fraction else { throw fail("digits after the point") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                let exponent = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > exponent else { throw fail("exponent digits") }
            }
            guard isInteger else { return .opaque }
            let end = index
            index = start
            let value = try? integer()
            index = end
            return value.map { .integer($0) } ?? .opaque
        }

        /// Skips an array or object, checking that it is valid JSON.
        mutating func skipNested(depth: Int) throws(ParseError) {
            guard depth < Self.nestingDepthMax else { throw fail("less nesting") }
            let isArray = bytes[index] == UInt8(ascii: "[")
            let close = isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == close {
                index += 1
                return
            }
            while true {
                skipSpace()
                if !isArray {
                    _ = try string()
                    try expect(UInt8(ascii: ":"), ":")
                    skipSpace()
                }
                guard index < bytes.count else { throw fail("a value") }
                if bytes[index] == UInt8(ascii: "[") || bytes[index] == UInt8(ascii: "{") {
                    try skipNested(depth: depth + 1)
                } else {
                    _ = try value()
                }
                skipSpace()
                guard index < bytes.count else { throw fail(", or a closing bracket") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == close { index += 1; return }
                throw fail(", or a closing bracket")
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
                    let save = index
                    if bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            index = save
                            code = try loneSurrogate()
                        }
                    } else {
                        code = try loneSurrogate()
                    }
                } else if (0xDC00..<0xE000).contains(code) {
                    code = try loneSurrogate()
                }
                utf8.append(contentsOf: String(Character(Unicode.Scalar(code)!)).utf8)
            default:
                index -= 1
                throw fail("a valid escape")
            }
        }

        /// A lone surrogate: an error when strict; when lenient, noted, and replaced by U+FFFD.
        mutating func loneSurrogate() throws(ParseError) -> UInt32 {
            guard lenient else { throw fail("no lone surrogate") }
            sawLoneSurrogate = true
            return 0xFFFD
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard bytes.count - index >= 4 else { throw fail("four hex digits") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Hex.nibble(bytes[index]) else { throw fail("four hex digits") }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
