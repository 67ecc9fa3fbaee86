/// The seven kinds of event, with their names in event records.
public enum EventType: String, CaseIterable, Sendable {
    case userRegistered = "user.registered"
    case sessionOpened = "session.opened"
    case sessionClosed = "session.closed"
    case roomCreated = "room.created"
    case roomJoined = "room.joined"
    case roomLeft = "room.left"
    case messagePosted = "message.posted"

    /// The byte that stands for this type in the binary encoding; never reused.
    public var code: UInt8 {
        switch self {
        case .userRegistered: 1
        case .sessionOpened: 2
        case .sessionClosed: 3
        case .roomCreated: 4
        case .roomJoined: 5
        case .roomLeft: 6
        case .messagePosted: 7
        }
    }

    /// The type for a binary code; nil for an unknown code.
    public init?(code: UInt8) {
        guard let type = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = type
    }
}

/// Why a session ended.
public enum SessionCloseReason: String, Sendable, CaseIterable {
    case logout
    case expired

    /// The byte that stands for this reason in the binary encoding.
    public var code: UInt8 { self == .logout ? 1 : 2 }

    /// The reason for a binary code; nil for an unknown code.
    public init?(code: UInt8) {
        switch code {
        case 1: self = .logout
        case 2: self = .expired
        default: return nil
        }
    }
}
