/// Every limit of the public protocol and of the core, each named after its unit, defined in one place.
public struct Limits: Sendable, Equatable {
    /// The longest user or room name, in characters.
    public var nameCharactersMax = 32
    /// The shortest password, in bytes of UTF-8.
    public var passwordBytesMin = 8
    /// The longest password, in bytes of UTF-8.
    public var passwordBytesMax = 128
    /// The longest message body, in Unicode scalar values.
    public var bodyScalarsMax = 4000
    /// The longest client message id, in characters.
    public var clientIdCharactersMax = 64
    /// The longest room topic, in Unicode scalar values.
    public var topicScalarsMax = 200
    /// How long a session lives after login, in milliseconds.
    public var sessionLifetimeMilliseconds: Int64 = 7 * 24 * 3600 * 1000
    /// The most rooms one user may be a member of; a join or create past it is refused.
    public var roomsPerUserMax = 1000

    /// The protocol's defaults.
    public init() {}

    /// Checks that every limit is usable; throws `LimitsError` naming the first one that is not.
    public func validate() throws {
        func require(_ condition: Bool, _ name: String) throws {
            if !condition { throw LimitsError(name: name) }
        }
        try require(nameCharactersMax >= 1, "nameCharactersMax")
        try require(passwordBytesMin >= 1 && passwordBytesMin <= passwordBytesMax, "passwordBytesMin")
        try require(bodyScalarsMax >= 1, "bodyScalarsMax")
        try require(clientIdCharactersMax >= 1, "clientIdCharactersMax")
        try require(topicScalarsMax >= 0, "topicScalarsMax")
        try require(sessionLifetimeMilliseconds >= 1000, "sessionLifetimeMilliseconds")
        try require(roomsPerUserMax >= 1, "roomsPerUserMax")
    }
}

/// A limit that was configured to a value it cannot take.
public struct LimitsError: Error, Equatable, CustomStringConvertible {
    /// The name of the limit.
    public let name: String
    /// A line for the operator.
    public var description: String { "limit \(name) is out of range" }
}
