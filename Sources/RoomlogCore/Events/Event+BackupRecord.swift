/// A backup record that does not describe a valid event.
public struct RecordError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    public var description: String { message }
}

extension Event {
    /// The event a backup record (`backupRecord`) describes; throws `RecordError` naming the bad or missing field.
    public init(backupRecord fields: FlatJSON.Object) throws(RecordError) {
        let record = Fields(fields: fields)
        guard let type = EventType(rawValue: try record.string("type")) else { throw RecordError(message: "unknown type") }
        let user = try record.string("user")
        let payload: EventPayload
        switch type {
        case .userRegistered:
            payload = .userRegistered(user: user, passwordHash: try record.string("passwordHash"))
        case .sessionOpened:
            payload = .sessionOpened(user: user, session: try record.string("session"), tokenDigest: try record.digest(),
                                     expiresAt: try record.timestamp("expiresAt"))
        case .sessionClosed:
            guard let reason = SessionCloseReason(rawValue: try record.string("reason")) else { throw RecordError(message: "bad field reason") }
            payload = .sessionClosed(user: user, session: try record.string("session"), tokenDigest: try record.digest(), reason: reason)
        case .roomCreated:
            payload = .roomCreated(user: user, room: try record.string("room"), topic: try record.string("topic"))
        case .roomJoined:
            payload = .roomJoined(user: user, room: try record.string("room"))
        case .roomLeft:
            payload = .roomLeft(user: user, room: try record.string("room"))
        case .messagePosted:
            payload = .messagePosted(user: user, room: try record.string("room"), body: try record.string("body"), clientId: try record.optionalString("id"))
        }
        let roomSeq = payload.room == nil ? 0 : try record.integer("roomSeq")
        guard payload.room == nil || roomSeq > 0 else { throw RecordError(message: "bad field roomSeq") }
        self.init(seq: try record.integer("seq"), at: try record.timestamp("at"), roomSeq: roomSeq, payload: payload)
    }

    struct Fields {
        let fields: FlatJSON.Object

        func string(_ name: String) throws(RecordError) -> String {
            guard case .string(let value)? = fields[name] else { throw RecordError(message: "missing or bad field \(name)") }
            return value
        }

        func optionalString(_ name: String) throws(RecordError) -> String? {
            switch fields[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw RecordError(message: "bad field \(name)")
            }
        }

        func integer(_ name: String) throws(RecordError) -> UInt64 {
            guard case .integer(let value)? = fields[name] else { throw RecordError(message: "missing or bad field \(name)") }
            return value
        }

        func timestamp(_ name: String) throws(RecordError) -> Timestamp {
            guard let time = Timestamp(rfc3339: try string(name)) else { throw RecordError(message: "bad time in field \(name)") }
            return time
        }

        func digest() throws(RecordError) -> TokenDigest {
            guard let digest = TokenDigest(hex: try string("tokenDigest")) else { throw RecordError(message: "bad field tokenDigest") }
            return digest
        }
    }
}
