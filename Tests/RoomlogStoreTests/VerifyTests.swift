import Testing
import RoomlogCore
@testable import RoomlogStore

@Suite("Rebuild and verify")
struct VerifyTests {
    func seeded() async throws -> TestLog {
        let log = try TestLog()
        try await log.seed(users: ["alice", "bob"], room: "kkbox")
        for index in 0..<20 { try await log.append(.post(user: index % 2 == 0 ? "alice" : "bob", room: "kkbox", body: "m\(index)", clientId: "c\(index)")) }
        try await log.append(.leave(user: "bob", room: "kkbox"))
        return log
    }

    @Test("verify finds a damaged record and names its seq; rebuild refuses and changes nothing")
    func damagedRecord() async throws {
        let log = try await seeded()
        defer { log.close() }
        #expect(try log.store.verify().isSound)
        try log.store.environment.write { txn in
            var bytes = Array(try #require(try txn.get(log.store.databases.events, StoreKeys.seq(12))))
            bytes[bytes.count / 2] ^= 0x20
            try txn.put(log.store.databases.events, StoreKeys.seq(12), bytes)
        }
        let report = try log.store.verify()
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.contains("seq 12") == true)
        #expect(report.events == 11)
        #expect(throws: EventDecodingError.self) { try log.store.rebuild() }
        #expect(try log.store.room(named: "kkbox")?.head == 23)
    }

    /// Rewrites the message at `seq` to reuse the client id of the message at `earlier` (same user).
    func reuseClientId(_ log: TestLog, at seq: UInt64, of earlier: UInt64) throws {
        guard case .messagePosted(let user, _, _, let id?) = try #require(try log.store.event(at: earlier)).payload,
              let event = try log.store.event(at: seq), case .messagePosted(user, let room, let body, _?) = event.payload
        else { Issue.record("seq \(earlier) and \(seq) are not messages with ids of one user"); return }
        let reused = Event(seq: seq, at: event.at, roomSeq: event.roomSeq, payload: .messagePosted(user: user, room: room, body: body, clientId: id))
        try log.store.environment.write { txn in try txn.put(log.store.databases.events, StoreKeys.seq(seq), EventCodec.encode(reused)) }
    }

    @Test("an id used twice is named at its second use, by verify and by rebuild, unless something before it is wrong")
    func clientIdUsedTwice() async throws {
        let log = try await seeded()
        defer { log.close() }
        try reuseClientId(log, at: 13, of: 9)
        try reuseClientId(log, at: 15, of: 5)
        let expected = "seq 13: client id c4 is used twice"
        #expect(try log.store.verify().problems == [expected])
        #expect(throws: LogInconsistency(seq: 13, problem: "client id c4 is used twice")) { try log.store.rebuild() }
        try log.store.environment.write { txn in _ = try txn.delete(log.store.databases.events, StoreKeys.seq(20)) }
        #expect(try log.store.verify().problems == [expected])
        #expect(throws: LogInconsistency(seq: 13, problem: "client id c4 is used twice")) { try log.store.rebuild() }
        try log.store.environment.write { txn in _ = try txn.delete(log.store.databases.events, StoreKeys.seq(11)) }
        #expect(try log.store.verify().problems == ["seq 12: expected seq 11"])
        #expect(throws: LogInconsistency(seq: 12, problem: "expected seq 11")) { try log.store.rebuild() }
        #expect(try log.store.room(named: "kkbox")?.head == 23)
    }

    @Test("verify finds a gap in the log")
    func gap() async throws {
        let log = try await seeded()
        defer { log.close() }
        try log.store.environment.write { txn in _ = try txn.delete(log.store.databases.events, StoreKeys.seq(9)) }
        let report = try log.store.verify()
        #expect(report.problems == ["seq 10: expected seq 9"])
    }

    @Test("verify finds a projection edited behind its back, and rebuild repairs it")
    func editedProjection() async throws {
        let log = try await seeded()
        defer { log.close() }
        let before = try log.storedProjections()
        try log.store.environment.write { txn in
            try txn.put(log.store.databases.rooms, Array("kkbox".utf8), RecordCoding.encode(Room(name: "kkbox", topic: "", head: 99, members: 2)))
            try txn.delete(log.store.databases.clientIds, StoreKeys.pair("alice", "c0"))
            try txn.put(log.store.databases.userRooms, StoreKeys.pair("bob", "kkbox"), [])
        }
        let problems = try log.store.verify().problems
        #expect(problems.count == 3)
        #expect(problems.contains { $0.hasPrefix("rooms differs") })
        #expect(problems.contains { $0.hasPrefix("client_ids differs") })
        #expect(problems.contains { $0.hasPrefix("user_rooms differs") })
        let report = try log.store.rebuild()
        #expect(report.events == 25)
        #expect(report.rooms == 1 && report.users == 2 && report.memberships == 1 && report.clientIds == 20)
        #expect(try log.store.verify().isSound)
        #expect(try log.storedProjections() == before)
    }

    @Test("verify finds a session-expiry index out of step")
    func expiryIndex() async throws {
        let log = try await seeded()
        defer { log.close() }
        let digest = TokenDigest(bytes: Array(repeating: 3, count: 32))!
        try await log.append(.openSession(user: "alice", session: "s", tokenDigest: digest, expiresAt: log.time.clock().adding(milliseconds: 10)))
        try log.store.environment.write { txn in try txn.empty(log.store.databases.sessionExpiry) }
        #expect(try log.store.verify().problems == ["session_expiry does not match sessions"])
        _ = try log.store.rebuild()
        #expect(try log.store.verify().isSound)
        log.time.advance(milliseconds: 10)
        #expect(try log.store.expiredSessions(at: log.time.clock(), limit: 5) == [digest])
    }

    @Test("appends after a rebuild continue the log")
    func appendAfterRebuild() async throws {
        let log = try await seeded()
        defer { log.close() }
        _ = try log.store.rebuild()
        let outcome = try await log.append(.post(user: "alice", room: "kkbox", body: "after", clientId: "c0"))
        #expect(outcome == .repeated(MessageReceipt(id: "c0", room: "kkbox", seq: 5, roomSeq: 3)))
        #expect(try await log.append(.post(user: "alice", room: "kkbox", body: "after", clientId: nil)).event?.seq == 26)
        #expect(try log.store.verify().isSound)
    }

    @Test("rebuild writes client ids and room indexes in key order for names and ids that are prefixes of one another or share their first 16 bytes")
    func keyOrder() async throws {
        let log = try TestLog()
        defer { log.close() }
        let users = ["a", "a-b", "ab", "a_b", "a0", "aaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaa", "z"]
        let ids = ["x", "x1", "X", "x-", "_", "x.:", "xxxxxxxxxxxxxxxxxxxx-1", "xxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxx-0"]
        try await log.seed(users: users, room: "r")
        for room in ["r-1", "r1", "rr", "rrrrrrrrrrrrrrrrrrrr", "rrrrrrrrrrrrrrrrrrrr2"] {
            _ = try await log.append(.createRoom(user: "a", room: room, topic: ""))
            for user in users.dropFirst() { _ = try await log.append(.join(user: user, room: room)) }
        }
        for user in users {
            for (index, id) in ids.enumerated() {
                _ = try await log.append(.post(user: user, room: ["r", "r-1", "r1", "rr", "rrrrrrrrrrrrrrrrrrrr"][index % 5], body: "\(user) \(id)", clientId: id))
            }
        }
        let live = try log.storedProjections()
        #expect(live.clientMessages.count == users.count * ids.count)
        _ = try log.store.rebuild()
        #expect(try log.storedProjections() == live)
        #expect(try log.store.verify().isSound)
    }
}
