public import RoomlogCore
public import RoomlogStore

/// What a successful login returns.
public struct Login: Sendable, Equatable {
    /// The session token, shown to the client once.
    public var token: SessionToken
    /// The session as stored.
    public var session: Session
}

/// Registration, login, logout, session checks and expiry: the flows around passwords and tokens, over the log.
public struct Accounts: Sendable {
    let store: Store
    let writer: LogWriter
    let hasher: PasswordHasher
    let validation: Validation
    let clock: LogWriter.Clock

    /// Accounts over `store`, appending through `writer`; throws `AuthConfigurationError`.
    public init(store: Store, writer: LogWriter, configuration: AuthConfiguration = AuthConfiguration(),
                clock: @escaping LogWriter.Clock = LogWriter.systemClock) throws {
        try configuration.validate()
        self.store = store
        self.writer = writer
        self.clock = clock
        hasher = PasswordHasher(cost: configuration.bcryptCost, threads: configuration.hashThreads, queueMax: configuration.hashQueueMax)
        validation = Validation(limits: store.configuration.limits)
    }

    /// Registers `name`; throws `RoomlogError.invalidName`, `.invalidPassword`, `.nameTaken`, `PasswordHasher.Busy`,
    /// or a storage error.
    public func register(name: String, password: String) async throws -> Event {
        try validation.checkName(name)
        try validation.checkPassword(password)
        let hash = try await hasher.hash(password)
        guard let event = try await writer.append(.register(user: name, passwordHash: hash)).event else {
            preconditionFailure("register appends or throws")
        }
        return event
    }

    /// Checks the password and opens a session; throws `RoomlogError.badCredentials`, `PasswordHasher.Busy` or a
    /// storage error. A name that could not be registered is refused before anything is looked up or hashed.
    public func login(name: String, password: String) async throws -> Login {
        guard (try? validation.checkName(name)) != nil, password.utf8.count <= validation.limits.passwordBytesMax else {
            throw RoomlogError.badCredentials
        }
        let user = try store.user(named: name)
        guard try await hasher.verify(password, hash: user?.passwordHash), user != nil else { throw RoomlogError.badCredentials }
        let token = SessionToken.generate()
        let expiresAt = clock().adding(milliseconds: store.configuration.limits.sessionLifetimeMilliseconds)
        let command = Command.openSession(user: name, session: SessionToken.generateSessionId(), tokenDigest: token.digest, expiresAt: expiresAt)
        guard case .sessionOpened(let user, let id, let digest, let expiresAt) = try await writer.append(command).event?.payload else {
            preconditionFailure("openSession appends session.opened or throws")
        }
        return Login(token: token, session: Session(tokenDigest: digest, id: id, user: user, expiresAt: expiresAt))
    }

    /// The live, unexpired session of `token`, or nil; throws a storage error.
    public func authenticate(_ token: SessionToken) throws -> Session? {
        guard let session = try store.session(digest: token.digest), session.expiresAt > clock() else { return nil }
        return session
    }

    /// Logs the session out (appends `session.closed`); throws `RoomlogError.unauthorized` or a storage error.
    public func logout(_ token: SessionToken) async throws -> Event {
        guard try authenticate(token) != nil, let event = try await writer.append(.logout(tokenDigest: token.digest)).event else {
            throw RoomlogError.unauthorized
        }
        return event
    }

    /// Appends `session.closed` with reason `expired` for up to `limit` sessions past their end; returns how many.
    /// Throws a storage error. Several gateways may run it at once: each session is closed once.
    public func expireSessions(limit: Int = 1000) async throws -> Int {
        var closed = 0
        for digest in try store.expiredSessions(at: clock(), limit: limit) {
            do {
                _ = try await writer.append(.expireSession(tokenDigest: digest))
                closed += 1
            } catch RoomlogError.unauthorized {
                continue
            }
        }
        return closed
    }
}
