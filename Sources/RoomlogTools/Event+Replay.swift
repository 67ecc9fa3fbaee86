public import RoomlogCore

extension Event {
    /// The readable line `roomlog replay` prints: `[roomSeq] time user: body`, joins and leaves marked with `*`.
    /// A body's further lines are indented under it; control characters of bodies and topics are escaped
    /// (`ReadableText`), so no body can move the cursor, clear the screen or forge a line.
    public var replayLine: [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(64)
        line.append(UInt8(ascii: "["))
        JSONWriter.appendDecimal(payload.room == nil ? seq : roomSeq, to: &line)
        line.append(contentsOf: "] ".utf8)
        at.appendRFC3339(to: &line)
        line.append(UInt8(ascii: " "))
        switch payload {
        case .roomCreated(let user, _, let topic):
            line.append(contentsOf: "* \(user) created the room".utf8)
            if !topic.isEmpty {
                line.append(contentsOf: " (topic: ".utf8)
                ReadableText.append(topic, to: &line)
                line.append(UInt8(ascii: ")"))
            }
        case .roomJoined(let user, _):
            line.append(contentsOf: "* \(user) joined".utf8)
        case .roomLeft(let user, _):
            line.append(contentsOf: "* \(user) left".utf8)
        case .messagePosted(let user, _, let body, _):
            line.append(contentsOf: user.utf8)
            line.append(contentsOf: ": ".utf8)
            ReadableText.append(body, to: &line, newlineIndent: "    ")
        case .userRegistered, .sessionOpened, .sessionClosed:
            line.append(contentsOf: "\(type.rawValue) \(user)".utf8)
        }
        return line
    }
}
