import Testing
import RoomlogCore
@testable import RoomlogStore

@Suite("Commands against the store")
struct CommandTests {
    let digest = TokenDigest(bytes: Array(repeating: 7, count: 32))!

    @Test("register appends user.registered; a taken or bad name is refused and appends nothing")
    func register() async throws {
        let log = try TestLog()
        defer { log.close() }
        let outcome = try await log.append(.register(user: "alice", passwordHash: "h"))
        #expect(outcome.event?.seq == 1)
        #expect(outcome.event?.payload == .userRegistered(user: "alice", passwordHash: "h"))
        await #expect(throws: RoomlogError.nameTaken) { try await log.append(.register(user: "alice", passwordHash: "h2")) }
        await #expect(throws: RoomlogError.invalidName) { try await log.append(.register(user: "Alice", passwordHash: "h")) }
        await #expect(throws: RoomlogError.invalidPassword) { try await log.append(.register(user: "bob", passwordHash: "")) }
        #expect(try log.store.head() == 1)
        #expect(try log.store.user(named: "alice")?.passwordHash == "h")
    }

    @Test("sessions open for known users, log out once, and expire only after their end")
    func sessions() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.append(.register(user: "alice", passwordHash: "h"))
        let expiresAt = log.time.clock().adding(milliseconds: 1000)
        await #expect(throws: RoomlogError.badCredentials) {
            try await log.append(.openSession(user: "nobody", session: "s1", tokenDigest: digest, expiresAt: expiresAt))
        }
        try await log.append(.openSession(user: "alice", session: "s1", tokenDigest: digest, expiresAt: expiresAt))
        #expect(try log.store.session(digest: digest) == Session(tokenDigest: digest, id: "s1", user: "alice", expiresAt: expiresAt))
        await #expect(throws: RoomlogError.unauthorized) {
            try await log.append(.openSession(user: "alice", session: "s2", tokenDigest: digest, expiresAt: expiresAt))
        }
        await #expect(throws: RoomlogError.sessionNotExpired) { try await log.append(.expireSession(tokenDigest: digest)) }
        #expect(try log.store.expiredSessions(at: log.time.clock(), limit: 10).isEmpty)
        log.time.advance(milliseconds: 1000)
        #expect(try log.store.expiredSessions(at: log.time.clock(), limit: 10) == [digest])
        let closed = try await log.append(.expireSession(tokenDigest: digest))
        #expect(closed.event?.payload == .sessionClosed(user: "alice", session: "s1", tokenDigest: digest, reason: .expired))
        #expect(try log.store.session(digest: digest) == nil)
        await #expect(throws: RoomlogError.unauthorized) { try await log.append(.logout(tokenDigest: digest)) }
        #expect(try log.store.expiredSessions(at: log.time.clock(), limit: 10).isEmpty)
    }

    @Test("logout closes the session with reason logout")
    func logout() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.append(.register(user: "alice", passwordHash: "h"))
        try await log.append(.openSession(user: "alice", session: "s1", tokenDigest: digest, expiresAt: log.time.clock().adding(milliseconds: 5000)))
        let outcome = try await log.append(.logout(tokenDigest: digest))
        #expect(outcome.event?.payload == .sessionClosed(user: "alice", session: "s1", tokenDigest: digest, reason: .logout))
        await #expect(throws: RoomlogError.unauthorized) { try await log.append(.logout(tokenDigest: digest)) }
    }

    @Test("create room makes the creator its only member with one event")
    func createRoom() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.append(.register(user: "alice", passwordHash: "h"))
        let outcome = try await log.append(.createRoom(user: "alice", room: "kkbox", topic: "food"))
        let room = Room(name: "kkbox", topic: "food", head: 1, members: 1)
        #expect(outcome == .appended(Event(seq: 2, at: log.time.clock(), roomSeq: 1, payload: .roomCreated(user: "alice", room: "kkbox", topic: "food")), room: room))
        #expect(try log.store.members(of: "kkbox") == ["alice"])
        #expect(try log.store.rooms(of: "alice") == ["kkbox"])
        await #expect(throws: RoomlogError.roomExists) { try await log.append(.createRoom(user: "alice", room: "kkbox", topic: "")) }
        await #expect(throws: RoomlogError.invalidName) { try await log.append(.createRoom(user: "alice", room: "KK", topic: "")) }
        await #expect(throws: RoomlogError.invalidTopic) {
            try await log.append(.createRoom(user: "alice", room: "long", topic: String(repeating: "t", count: 201)))
        }
        await #expect(throws: RoomlogError.unauthorized) { try await log.append(.createRoom(user: "ghost", room: "other", topic: "")) }
        #expect(try log.store.head() == 2)
    }

    @Test("join and leave append once; repeating them changes nothing")
    func joinAndLeave() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice", "bob"], room: "kkbox")
        #expect(try log.store.room(named: "kkbox") == Room(name: "kkbox", topic: "", head: 2, members: 2))
        let again = try await log.append(.join(user: "bob", room: "kkbox"))
        #expect(again == .unchanged(room: Room(name: "kkbox", topic: "", head: 2, members: 2)))
        let left = try await log.append(.leave(user: "bob", room: "kkbox"))
        #expect(left.event?.payload == .roomLeft(user: "bob", room: "kkbox"))
        #expect(left.event?.roomSeq == 3)
        let leftAgain = try await log.append(.leave(user: "bob", room: "kkbox"))
        #expect(leftAgain == .unchanged(room: Room(name: "kkbox", topic: "", head: 3, members: 1)))
        await #expect(throws: RoomlogError.roomNotFound) { try await log.append(.join(user: "bob", room: "nowhere")) }
        await #expect(throws: RoomlogError.roomNotFound) { try await log.append(.leave(user: "bob", room: "nowhere")) }
        #expect(try log.store.members(of: "kkbox") == ["alice"])
        #expect(try log.store.rooms(of: "bob") == [])
    }

    @Test("posting needs membership, a valid body and id; a repeated id returns the first result")
    func post() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice", "bob"], room: "kkbox")
        try await log.append(.createRoom(user: "bob", room: "other", topic: ""))
        let first = try await log.append(.post(user: "alice", room: "kkbox", body: "hi", clientId: "c-1"))
        let event = try #require(first.event)
        #expect(event.roomSeq == 3)
        let receipt = MessageReceipt(id: "c-1", room: "kkbox", seq: event.seq, roomSeq: 3)
        #expect(try await log.append(.post(user: "alice", room: "kkbox", body: "other body", clientId: "c-1")) == .repeated(receipt))
        #expect(try await log.append(.post(user: "alice", room: "other", body: "not a member there", clientId: "c-1")) == .repeated(receipt))
        #expect(try await log.append(.post(user: "bob", room: "kkbox", body: "same id, other user", clientId: "c-1")).event != nil)
        await #expect(throws: RoomlogError.notAMember) { try await log.append(.post(user: "alice", room: "other", body: "x", clientId: nil)) }
        await #expect(throws: RoomlogError.roomNotFound) { try await log.append(.post(user: "alice", room: "nowhere", body: "x", clientId: nil)) }
        await #expect(throws: RoomlogError.invalidBody) { try await log.append(.post(user: "alice", room: "kkbox", body: "", clientId: nil)) }
        await #expect(throws: RoomlogError.invalidBody) {
            try await log.append(.post(user: "alice", room: "kkbox", body: String(repeating: "x", count: 4001), clientId: "c-2"))
        }
        await #expect(throws: RoomlogError.invalidId) { try await log.append(.post(user: "alice", room: "kkbox", body: "x", clientId: "")) }
        await #expect(throws: RoomlogError.invalidId) { try await log.append(.post(user: "alice", room: "kkbox", body: "x", clientId: "a b")) }
        await #expect(throws: RoomlogError.unauthorized) { try await log.append(.post(user: "ghost", room: "kkbox", body: "x", clientId: nil)) }
        #expect(try log.store.room(named: "kkbox")?.head == 4)
        #expect(try log.store.verify().isSound)
    }

    @Test("a command acting for a session is refused once that session is logged out, expired, or another user's")
    func sessionMustBeOpen() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice", "bob"], room: "kkbox")
        try await log.append(.openSession(user: "alice", session: "s1", tokenDigest: digest, expiresAt: log.time.clock().adding(milliseconds: 5000)))
        let post = Command.post(user: "alice", room: "kkbox", body: "hi", clientId: nil)
        #expect(try await log.append(post, session: digest).event != nil)
        await #expect(throws: RoomlogError.unauthorized) {
            try await log.append(.post(user: "bob", room: "kkbox", body: "not my session", clientId: nil), session: digest)
        }
        log.time.advance(milliseconds: 5000)
        await #expect(throws: RoomlogError.unauthorized) { try await log.append(post, session: digest) }
        log.time.advance(milliseconds: -5000)
        try await log.append(.logout(tokenDigest: digest))
        let head = try log.store.head()
        for command in [post, .join(user: "alice", room: "kkbox"), .leave(user: "alice", room: "kkbox"), .createRoom(user: "alice", room: "new", topic: "")] {
            await #expect(throws: RoomlogError.unauthorized) { try await log.append(command, session: digest) }
        }
        #expect(try log.store.head() == head)
    }

    @Test("a room name that could not exist is invalid_name before anything is looked up", arguments: ["", String(repeating: "r", count: 600), "Kkbox", "a\u{0}b"])
    func roomNamesAreCheckedFirst(name: String) async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        for command in [Command.join(user: "alice", room: name), .leave(user: "alice", room: name), .post(user: "alice", room: name, body: "x", clientId: "c"),
                        .createRoom(user: "alice", room: name, topic: "")] {
            await #expect(throws: RoomlogError.invalidName) { try await log.append(command) }
        }
        #expect(try log.store.head() == 2)
    }

    @Test("a user in rooms-per-user-max rooms can neither join nor create another until leaving one")
    func roomsPerUser() async throws {
        var limits = Limits()
        limits.roomsPerUserMax = 2
        let log = try TestLog(limits: limits)
        defer { log.close() }
        try await log.seed(users: ["alice", "bob"], room: "r1")
        try await log.append(.leave(user: "bob", room: "r1"))
        try await log.append(.createRoom(user: "bob", room: "r2", topic: ""))
        try await log.append(.createRoom(user: "bob", room: "r3", topic: ""))
        try await log.append(.join(user: "alice", room: "r2"))
        await #expect(throws: RoomlogError.roomsPerUserReached) { try await log.append(.join(user: "alice", room: "r3")) }
        await #expect(throws: RoomlogError.roomsPerUserReached) { try await log.append(.createRoom(user: "alice", room: "r4", topic: "")) }
        #expect(try await log.append(.join(user: "alice", room: "r2")) == .unchanged(room: try #require(try log.store.room(named: "r2"))))
        try await log.append(.leave(user: "alice", room: "r1"))
        #expect(try await log.append(.join(user: "alice", room: "r3")).event != nil)
    }
}
