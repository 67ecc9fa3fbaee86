extension Event {
    /// The event record of `PROTOCOL.md` as JSON bytes, with no secret in it.
    public var jsonRecord: [UInt8] { renderJSON(includingSecrets: false) }

    /// The event record as a JSON string, with no secret in it.
    public var jsonRecordString: String { String(decoding: jsonRecord, as: UTF8.self) }

    /// The record for backups: the public record plus `passwordHash`, `tokenDigest` and `expiresAt`, never a token.
    public var backupRecord: [UInt8] { renderJSON(includingSecrets: true) }

    func renderJSON(includingSecrets: Bool) -> [UInt8] {
        var json = JSONWriter()
        json.number("seq", seq)
        json.timestamp("at", at)
        json.string("type", type.rawValue)
        json.string("user", user)
        switch payload {
        case .userRegistered(_, let passwordHash):
            if includingSecrets { json.string("passwordHash", passwordHash) }
        case .sessionOpened(_, let session, let digest, let expiresAt):
            json.string("session", session)
            if includingSecrets {
                json.string("tokenDigest", digest.hex)
                json.timestamp("expiresAt", expiresAt)
            }
        case .sessionClosed(_, let session, let digest, let reason):
            json.string("session", session)
            json.string("reason", reason.rawValue)
            if includingSecrets { json.string("tokenDigest", digest.hex) }
        case .roomCreated(_, let room, let topic):
            json.string("room", room)
            json.number("roomSeq", roomSeq)
            json.string("topic", topic)
        case .roomJoined(_, let room), .roomLeft(_, let room):
            json.string("room", room)
            json.number("roomSeq", roomSeq)
        case .messagePosted(_, let room, let body, let clientId):
            json.string("room", room)
            json.number("roomSeq", roomSeq)
            json.string("body", body)
            if let clientId { json.string("id", clientId) }
        }
        return json.finish()
    }
}
