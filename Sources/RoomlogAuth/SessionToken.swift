import Crypto
public import RoomlogCore

/// A session token: 32 random bytes, given to the client once in base64url; only its SHA-256 digest is stored.
public struct SessionToken: Sendable, Hashable {
    /// The token as the client sends it.
    public let text: String

    /// A token as a client presented it.
    public init(text: String) {
        self.text = text
    }

    /// A new random token.
    public static func generate() -> SessionToken {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return SessionToken(text: Base64URL.encode(bytes))
    }

    /// The SHA-256 digest of the token's text: the form that is stored and looked up.
    public var digest: TokenDigest {
        TokenDigest(bytes: Array(SHA256.hash(data: Array(text.utf8))))!
    }

    /// A new short public session id (12 hex digits), never derived from the token.
    public static func generateSessionId() -> String {
        var random = SystemRandomNumberGenerator()
        return Hex.encode((0..<6).map { _ in UInt8.random(in: 0...255, using: &random) })
    }
}

/// Base64 with the URL-safe alphabet and no padding.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for byte in chunk { value = value << 8 | UInt32(byte) }
            value <<= UInt32(8 * (3 - chunk.count))
            for position in 0...chunk.count { out.append(alphabet[Int(value >> UInt32(18 - 6 * position) & 0x3f)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
