import Foundation
import Testing
import RoomlogCore
@testable import RoomlogAuth
import RoomlogTestSupport
import HummingbirdBcrypt
@testable import RoomlogStore

@Suite("Accounts")
struct AccountsTests {
    func accounts(_ log: TestLog) throws -> Accounts {
        var configuration = AuthConfiguration()
        configuration.bcryptCost = 4
        return try Accounts(store: log.store, writer: log.writer, configuration: configuration, clock: log.time.clock)
    }

    @Test("register, log in with the password, authenticate the token, log out")
    func lifecycle() async throws {
        let log = try TestLog()
        defer { log.close() }
        let accounts = try accounts(log)
        _ = try await accounts.register(name: "alice", password: "correct horse")
        await #expect(throws: RoomlogError.nameTaken) { try await accounts.register(name: "alice", password: "another one") }
        await #expect(throws: RoomlogError.invalidPassword) { try await accounts.register(name: "bob", password: "short") }
        await #expect(throws: RoomlogError.invalidName) { try await accounts.register(name: "Bob", password: "long enough") }
        await #expect(throws: RoomlogError.badCredentials) { try await accounts.login(name: "alice", password: "wrong horse") }
        await #expect(throws: RoomlogError.badCredentials) { try await accounts.login(name: "nobody", password: "correct horse") }
        let login = try await accounts.login(name: "alice", password: "correct horse")
        #expect(login.token.text.count == 43)
        #expect(login.session.expiresAt == log.time.clock().adding(milliseconds: 7 * 24 * 3600 * 1000))
        #expect(try accounts.authenticate(login.token) == login.session)
        #expect(try accounts.authenticate(SessionToken(text: "forged")) == nil)
        _ = try await accounts.logout(login.token)
        #expect(try accounts.authenticate(login.token) == nil)
        await #expect(throws: RoomlogError.unauthorized) { try await accounts.logout(login.token) }
    }

    @Test("the log and its projections hold no password and no token, only a bcrypt hash and a digest")
    func noSecretsOnDisk() async throws {
        let log = try TestLog(durable: true)
        defer { log.close() }
        let accounts = try accounts(log)
        _ = try await accounts.register(name: "alice", password: "plaintext-secret-77")
        let login = try await accounts.login(name: "alice", password: "plaintext-secret-77")
        let file = try Data(contentsOf: URL(fileURLWithPath: log.directory + "/data.mdb"))
        #expect(file.range(of: Data("plaintext-secret-77".utf8)) == nil)
        #expect(file.range(of: Data(login.token.text.utf8)) == nil)
        #expect(file.range(of: Data(login.session.tokenDigest.bytes)) != nil)
        #expect(try log.store.user(named: "alice")?.passwordHash.hasPrefix(PasswordHasher.preHashedPrefix + "$2b$04$") == true)
    }

    @Test("sessions past their end are closed as expired, once, even with two sweepers")
    func expiry() async throws {
        let log = try TestLog()
        defer { log.close() }
        let accounts = try accounts(log)
        _ = try await accounts.register(name: "alice", password: "correct horse")
        let first = try await accounts.login(name: "alice", password: "correct horse")
        log.time.advance(milliseconds: 1000)
        let second = try await accounts.login(name: "alice", password: "correct horse")
        #expect(try await accounts.expireSessions() == 0)
        log.time.advance(milliseconds: 7 * 24 * 3600 * 1000 - 500)
        #expect(try accounts.authenticate(first.token) == nil)
        #expect(try accounts.authenticate(second.token) != nil)
        async let a = accounts.expireSessions()
        async let b = accounts.expireSessions()
        #expect(try await a + b == 1)
        let closed = try log.store.events(from: 1, limit: 100).filter { $0.type == .sessionClosed }
        #expect(closed.map(\.payload) == [.sessionClosed(user: "alice", session: first.session.id, tokenDigest: first.session.tokenDigest, reason: .expired)])
    }

    @Test("no two passwords verify as each other: not through a NUL byte, not through bcrypt's 72-byte cut")
    func passwordsAreWhole() async throws {
        let log = try TestLog()
        defer { log.close() }
        let accounts = try accounts(log)
        let long = String(repeating: "p", count: 72)
        for (name, password, impostor) in [("nul", "\u{0}abcdefgh", "\u{0}zzzzzzzz"), ("long", long + "1", long + "2")] {
            _ = try await accounts.register(name: name, password: password)
            await #expect(throws: RoomlogError.badCredentials) { try await accounts.login(name: name, password: impostor) }
            #expect(try await accounts.login(name: name, password: password).session.user == name)
        }
    }

    @Test("a hash stored by an earlier version (bcrypt of the password itself) keeps verifying")
    func earlierHashes() async throws {
        let log = try TestLog()
        defer { log.close() }
        let accounts = try accounts(log)
        try await log.append(.register(user: "old", passwordHash: Bcrypt.hash("from version one", cost: 4)))
        #expect(try await accounts.login(name: "old", password: "from version one").session.user == "old")
        await #expect(throws: RoomlogError.badCredentials) { try await accounts.login(name: "old", password: "from version two") }
    }

    @Test("a login naming a user who could not exist is refused before any lookup")
    func impossibleNames() async throws {
        let log = try TestLog()
        defer { log.close() }
        let accounts = try accounts(log)
        for name in ["", String(repeating: "n", count: 60_000), "Alice"] {
            await #expect(throws: RoomlogError.badCredentials) { try await accounts.login(name: name, password: "whatever it is") }
        }
        #expect(try log.store.head() == 0)
    }

    @Test("past its threads and its queue the hasher refuses at once instead of queueing")
    func boundedHashing() async throws {
        let hasher = PasswordHasher(cost: 13, threads: 1, queueMax: 1)
        async let first = hasher.hash("first password")
        async let second = hasher.hash("second password")
        for _ in 0..<500 where hasher.admittedCount < 2 { await pause(milliseconds: 2) }
        await #expect(throws: PasswordHasher.Busy(queueMax: 1)) { try await hasher.hash("third password") }
        _ = try await (first, second)
        #expect(try await hasher.verify("fourth password", hash: nil) == false)
    }
}
