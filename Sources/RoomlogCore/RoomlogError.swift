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

    /// The snake_case code clients see.
    public var code: String {
        switch self {
        case .invalidName: "invalid_name"
        case .invalidPassword: "invalid_password"
        case .invalidBody: "invalid_body"
        case .invalidId: "invalid_id"
        case .invalidTopic: "invalid_topic"
        case .nameTaken: "name_taken"
        case .badCredentials: "bad_credentials"
        case .unauthorized: "unauthorized"
        case .roomExists: "room_exists"
        case .roomNotFound: "room_not_found"
        case .notAMember: "not_a_member"
        case .sessionNotExpired: "session_not_expired"
        }
    }

    /// Human text that says what was wrong.
    public var message: String {
        switch self {
        case .invalidName: "names are 1-32 characters of a-z 0-9 _ -, starting with a letter or digit"
        case .invalidPassword: "passwords are 8-128 bytes of UTF-8"
        case .invalidBody: "a message body is 1-4000 Unicode scalar values of valid UTF-8"
        case .invalidId: "a client message id is 1-64 characters of A-Z a-z 0-9 _ - . :"
        case .invalidTopic: "a topic is at most 200 Unicode scalar values"
        case .nameTaken: "that name is already registered"
        case .badCredentials: "unknown user or wrong password"
        case .unauthorized: "no valid session"
        case .roomExists: "a room with that name exists"
        case .roomNotFound: "no room with that name"
        case .notAMember: "join the room first"
        case .sessionNotExpired: "the session has not expired yet"
        }
    }

    public var description: String { "\(code): \(message)" }
}
