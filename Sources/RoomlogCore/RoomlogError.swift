/// A domain error: a command or an input that the protocol refuses, with its `PROTOCOL.md` code.
public enum RoomlogError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidName
    case invalidPassword
    case invalidBody
    case invalidId
    case invalidTopic
    case nameTaken
    case badCredentials
    case unauthorized
    case roomExists
    case roomNotFound
    case notAMember
    case sessionNotExpired
    /// The user is in `roomsPerUserMax` rooms already.
    case roomsPerUserReached

    /// The code clients see.
    public var code: ErrorCode {
        switch self {
        case .invalidName: .invalidName
        case .invalidPassword: .invalidPassword
        case .invalidBody: .invalidBody
        case .invalidId: .invalidId
        case .invalidTopic: .invalidTopic
        case .nameTaken: .nameTaken
        case .badCredentials: .badCredentials
        case .unauthorized: .unauthorized
        case .roomExists: .roomExists
        case .roomNotFound: .roomNotFound
        case .notAMember: .notAMember
        case .sessionNotExpired: .sessionNotExpired
        case .roomsPerUserReached: .limitReached
        }
    }

    /// Human text that says what was wrong, with the limits in force.
    public func message(_ limits: Limits) -> String {
        switch self {
        case .invalidName: "names are 1-\(limits.nameCharactersMax) characters of a-z 0-9 _ -, starting with a letter or digit"
        case .invalidPassword: "passwords are \(limits.passwordBytesMin)-\(limits.passwordBytesMax) bytes of UTF-8"
        case .invalidBody: "a message body is 1-\(limits.bodyScalarsMax) Unicode scalar values of valid UTF-8"
        case .invalidId: "a client message id is 1-\(limits.clientIdCharactersMax) characters of A-Z a-z 0-9 _ - . :"
        case .invalidTopic: "a topic is at most \(limits.topicScalarsMax) Unicode scalar values"
        case .nameTaken: "that name is already registered"
        case .badCredentials: "unknown user or wrong password"
        case .unauthorized: "no valid session"
        case .roomExists: "a room with that name exists"
        case .roomNotFound: "no room with that name"
        case .notAMember: "join the room first"
        case .sessionNotExpired: "the session has not expired yet"
        case .roomsPerUserReached: "a user may be in at most \(limits.roomsPerUserMax) rooms (rooms-per-user-max); leave one first"
        }
    }

    public var description: String { "\(code.rawValue): \(message(Limits()))" }
}
