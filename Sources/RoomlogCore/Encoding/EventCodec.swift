/// The versioned binary encoding of events in the log.
///
/// Layout (format 2): format byte, type code, `at` as 8 big-endian bytes, `roomSeq` as a varint (room events only),
/// the type's fields (strings as varint length and UTF-8), then the CRC-32C of everything before it as 4 big-endian
/// bytes. Format 1 is the same with the CRC-32 of zlib instead, which costs several times more to check (every read,
/// rebuild and verify checks it). The `seq` is the record's key, not part of the value. A new format gets a new
/// format byte; old ones stay readable.
public enum EventCodec {
    /// The format byte written today.
    public static let currentFormat: UInt8 = 2

    /// The checksum of a record's `body` (everything before the checksum) in `format`, or nil for a format this
    /// code does not know.
    static func checksum(format: UInt8, _ body: UnsafeRawBufferPointer) -> UInt32? {
        switch format {
        case 1: CRC32.checksum(body)
        case 2: CRC32C.checksum(body)
        default: nil
        }
    }

    /// The bytes of `event` in the current format.
    public static func encode(_ event: Event) -> [UInt8] {
        var writer = ByteWriter(capacity: encodedBytesMax(event.payload))
        writer.write(currentFormat)
        writer.write(event.type.code)
        writer.writeBigEndian(UInt64(bitPattern: event.at.milliseconds))
        if event.payload.room != nil { writer.writeVarint(event.roomSeq) }
        switch event.payload {
        case .userRegistered(let user, let passwordHash):
            writer.writeString(user)
            writer.writeString(passwordHash)
        case .sessionOpened(let user, let session, let digest, let expiresAt):
            writer.writeString(user)
            writer.writeString(session)
            writer.write(bytes: digest.bytes)
            writer.writeBigEndian(UInt64(bitPattern: expiresAt.milliseconds))
        case .sessionClosed(let user, let session, let digest, let reason):
            writer.writeString(user)
            writer.writeString(session)
            writer.write(bytes: digest.bytes)
            writer.write(reason.code)
        case .roomCreated(let user, let room, let topic):
            writer.writeString(user)
            writer.writeString(room)
            writer.writeString(topic)
        case .roomJoined(let user, let room), .roomLeft(let user, let room):
            writer.writeString(user)
            writer.writeString(room)
        case .messagePosted(let user, let room, let body, let clientId):
            writer.writeString(user)
            writer.writeString(room)
            writer.writeString(body)
            if let clientId {
                writer.write(1)
                writer.writeString(clientId)
            } else {
                writer.write(0)
            }
        }
        let crc = writer.bytes.withUnsafeBytes { checksum(format: currentFormat, $0)! }
        for shift in stride(from: 24, through: 0, by: -8) { writer.write(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        return writer.bytes
    }

    /// At least the encoded size of an event with `payload`, so that `encode` allocates once: every fixed field,
    /// varint and checksum at its widest, plus the payload's UTF-8 text.
    static func encodedBytesMax(_ payload: EventPayload) -> Int {
        let fixed = 2 + 8 + 10 + 4 + 1 + TokenDigest.byteCount + 8
        switch payload {
        case .userRegistered(let user, let passwordHash): return fixed + 20 + user.utf8.count + passwordHash.utf8.count
        case .sessionOpened(let user, let session, _, _), .sessionClosed(let user, let session, _, _): return fixed + 20 + user.utf8.count + session.utf8.count
        case .roomCreated(let user, let room, let topic): return fixed + 30 + user.utf8.count + room.utf8.count + topic.utf8.count
        case .roomJoined(let user, let room), .roomLeft(let user, let room): return fixed + 20 + user.utf8.count + room.utf8.count
        case .messagePosted(let user, let room, let body, let clientId):
            return fixed + 40 + user.utf8.count + room.utf8.count + body.utf8.count + (clientId?.utf8.count ?? 0)
        }
    }

    /// Decodes the record stored at `seq`; throws `EventDecodingError` naming `seq` for damaged or unknown bytes.
    /// `keepingBody: false` (for replays that only apply events to projections) checks a message's body like any
    /// other field but leaves it empty in the event, sparing a string per message.
    public static func decode(seq: UInt64, _ bytes: UnsafeRawBufferPointer, keepingBody: Bool = true) throws(EventDecodingError) -> Event {
        guard bytes.count >= 2 + 8 + 4 else { throw EventDecodingError(seq: seq, reason: .truncated) }
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)])
        guard let computed = checksum(format: bytes[0], body) else { throw EventDecodingError(seq: seq, reason: .unknownFormat(bytes[0])) }
        var stored: UInt32 = 0
        for i in (bytes.count - 4)..<bytes.count { stored = stored << 8 | UInt32(bytes[i]) }
        guard computed == stored else { throw EventDecodingError(seq: seq, reason: .checksumMismatch) }
        guard let type = EventType(code: bytes[1]) else { throw EventDecodingError(seq: seq, reason: .unknownType(bytes[1])) }
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: body[2...]))
        do {
            let event = try decodeFields(seq: seq, type: type, keepingBody: keepingBody, &reader)
            guard reader.isAtEnd else { throw EventDecodingError(seq: seq, reason: .trailingBytes) }
            return event
        } catch let failure as ByteReader.Failure {
            throw EventDecodingError(seq: seq, reason: .init(failure))
        } catch let error as EventDecodingError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// Decodes the record stored at `seq` from an array; see `decode(seq:_:)`.
    public static func decode(seq: UInt64, _ bytes: [UInt8]) throws(EventDecodingError) -> Event {
        do {
            return try bytes.withUnsafeBytes { buffer in try decode(seq: seq, buffer) }
        } catch let error as EventDecodingError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    static func decodeFields(seq: UInt64, type: EventType, keepingBody: Bool, _ reader: inout ByteReader) throws -> Event {
        let at = Timestamp(milliseconds: Int64(bitPattern: try reader.readBigEndian()))
        switch type {
        case .userRegistered:
            let payload = EventPayload.userRegistered(user: try reader.readString(), passwordHash: try reader.readString())
            return Event(seq: seq, at: at, payload: payload)
        case .sessionOpened:
            let user = try reader.readString()
            let session = try reader.readString()
            let digest = try readDigest(seq: seq, &reader)
            let expiresAt = Timestamp(milliseconds: Int64(bitPattern: try reader.readBigEndian()))
            return Event(seq: seq, at: at, payload: .sessionOpened(user: user, session: session, tokenDigest: digest, expiresAt: expiresAt))
        case .sessionClosed:
            let user = try reader.readString()
            let session = try reader.readString()
            let digest = try readDigest(seq: seq, &reader)
            let code = try reader.readByte()
            guard let reason = SessionCloseReason(code: code) else { throw EventDecodingError(seq: seq, reason: .badField("reason")) }
            return Event(seq: seq, at: at, payload: .sessionClosed(user: user, session: session, tokenDigest: digest, reason: reason))
        case .roomCreated, .roomJoined, .roomLeft, .messagePosted:
            let roomSeq = try reader.readVarint()
            guard roomSeq > 0 else { throw EventDecodingError(seq: seq, reason: .badField("roomSeq")) }
            let user = try reader.readString()
            let room = try reader.readString()
            return Event(seq: seq, at: at, roomSeq: roomSeq, payload: try decodeRoomPayload(seq: seq, type: type, user: user, room: room, keepingBody: keepingBody, &reader))
        }
    }

    static func decodeRoomPayload(seq: UInt64, type: EventType, user: String, room: String, keepingBody: Bool, _ reader: inout ByteReader) throws -> EventPayload {
        switch type {
        case .roomCreated:
            return .roomCreated(user: user, room: room, topic: try reader.readString())
        case .roomJoined:
            return .roomJoined(user: user, room: room)
        case .roomLeft:
            return .roomLeft(user: user, room: room)
        default:
            let body: String
            if keepingBody {
                body = try reader.readString()
            } else {
                try reader.skipString()
                body = ""
            }
            switch try reader.readByte() {
            case 0: return .messagePosted(user: user, room: room, body: body, clientId: nil)
            case 1: return .messagePosted(user: user, room: room, body: body, clientId: try reader.readString())
            default: throw EventDecodingError(seq: seq, reason: .badField("id"))
            }
        }
    }

    static func readDigest(seq: UInt64, _ reader: inout ByteReader) throws -> TokenDigest {
        guard let digest = TokenDigest(bytes: try reader.readBytes(TokenDigest.byteCount)) else {
            throw EventDecodingError(seq: seq, reason: .truncated)
        }
        return digest
    }
}

/// A stored record that does not decode, naming its `seq`.
public struct EventDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the bytes.
    public enum Reason: Equatable, Sendable {
        case truncated
        case checksumMismatch
        case unknownFormat(UInt8)
        case unknownType(UInt8)
        case badVarint
        case badUTF8
        case badField(String)
        case trailingBytes

        init(_ failure: ByteReader.Failure) {
            switch failure {
            case .truncated: self = .truncated
            case .badVarint: self = .badVarint
            case .badUTF8: self = .badUTF8
            }
        }
    }

    /// The position of the bad record.
    public let seq: UInt64
    /// What is wrong.
    public let reason: Reason

    /// An error for the record at `seq`.
    public init(seq: UInt64, reason: Reason) {
        self.seq = seq
        self.reason = reason
    }

    public var description: String { "record at seq \(seq) does not decode: \(reason)" }
}
