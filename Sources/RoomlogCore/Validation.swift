/// The protocol's rules for names, passwords, bodies, client ids and topics, under configurable limits.
public struct Validation: Sendable {
    /// The limits the rules check against.
    public let limits: Limits

    /// Rules under `limits`.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Checks a user or room name; throws `RoomlogError.invalidName`.
    public func checkName(_ name: String) throws(RoomlogError) {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= limits.nameCharactersMax,
              Self.isLowerAlphanumeric(first),
              bytes.allSatisfy({ Self.isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { throw .invalidName }
    }

    /// Checks a password's length in bytes; throws `RoomlogError.invalidPassword`.
    public func checkPassword(_ password: String) throws(RoomlogError) {
        let count = password.utf8.count
        guard count >= limits.passwordBytesMin, count <= limits.passwordBytesMax else { throw .invalidPassword }
    }

    /// Checks a message body; throws `RoomlogError.invalidBody`.
    public func checkBody(_ body: String) throws(RoomlogError) {
        guard !body.isEmpty, Self.hasScalars(body, atMost: limits.bodyScalarsMax) else { throw .invalidBody }
    }

    /// Checks a client message id; throws `RoomlogError.invalidId`.
    public func checkClientId(_ id: String) throws(RoomlogError) {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= limits.clientIdCharactersMax, bytes.allSatisfy(Self.isClientIdByte)
        else { throw .invalidId }
    }

    /// Checks a room topic; throws `RoomlogError.invalidTopic`.
    public func checkTopic(_ topic: String) throws(RoomlogError) {
        guard Self.hasScalars(topic, atMost: limits.topicScalarsMax) else { throw .invalidTopic }
    }

    /// Whether `text` has at most `limit` scalars. A Swift string is valid UTF-8, so its scalars are its bytes that
    /// are not continuation bytes (`10xxxxxx`), and never more than its bytes: only a text of more than `limit`
    /// bytes (counted by the string, not read) needs counting.
    static func hasScalars(_ text: String, atMost limit: Int) -> Bool {
        if text.utf8.count <= limit { return true }
        var text = text
        let count = text.withUTF8 { bytes in
            bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        }
        return count <= limit
    }

    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    static func isClientIdByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default:
            false
        }
    }
}
