import Foundation
import RoomlogCore

extension Event {
    /// The readable line `roomlog replay` prints: `[roomSeq] time user: body`, joins and leaves marked.
    /// A body's further lines are indented under it.
    public var replayLine: String {
        let prefix = "[\(roomSeq)] \(at.rfc3339) "
        switch payload {
        case .roomCreated(let user, _, let topic):
            return prefix + "* \(user) created the room" + (topic.isEmpty ? "" : " (topic: \(topic))")
        case .roomJoined(let user, _):
            return prefix + "* \(user) joined"
        case .roomLeft(let user, _):
            return prefix + "* \(user) left"
        case .messagePosted(let user, _, let body, _):
            return prefix + "\(user): " + body.replacingOccurrences(of: "\n", with: "\n    ")
        case .userRegistered, .sessionOpened, .sessionClosed:
            return "[\(seq)] \(at.rfc3339) \(type.rawValue) \(user)"
        }
    }
}
