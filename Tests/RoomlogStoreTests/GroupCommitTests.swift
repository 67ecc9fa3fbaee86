import Testing
import RoomlogCore
@testable import RoomlogStore

@Suite("Group commit")
struct GroupCommitTests {
    @Test("concurrent callers share commits; each gets its own event; seq and roomSeq stay dense", arguments: [false, true])
    func concurrentAppends(durable: Bool) async throws {
        let log = try TestLog(durable: durable)
        defer { log.close() }
        try await log.seed(users: ["alice", "bob"], room: "kkbox")
        let before = log.writer.statistics
        let outcomes = try await withThrowingTaskGroup(of: CommandOutcome.self) { group in
            for index in 0..<400 {
                group.addTask {
                    try await log.append(.post(user: index % 2 == 0 ? "alice" : "bob", room: "kkbox", body: "m\(index)", clientId: "id-\(index)"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let events = outcomes.compactMap(\.event)
        #expect(events.count == 400)
        #expect(Set(events.map(\.seq)) == Set(5...404))
        #expect(Set(events.map(\.roomSeq)) == Set(3...402))
        let after = log.writer.statistics
        #expect(after.events - before.events == 400)
        #expect(after.commits - before.commits < 400)
        #expect(try log.store.verify().isSound)
    }

    @Test("a refused command in a batch does not disturb the others")
    func mixedBatch() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<100 {
                group.addTask {
                    let body = index % 3 == 0 ? "" : "ok \(index)"
                    return (index, (try? await log.append(.post(user: "alice", room: "kkbox", body: body, clientId: nil))) != nil)
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        for (index, succeeded) in results { #expect(succeeded == (index % 3 != 0)) }
        #expect(try log.store.room(named: "kkbox")?.head == 1 + 66)
        #expect(try log.store.verify().isSound)
    }

    @Test("a command that fails with a storage error fails alone: the rest of its batch commits")
    func storageErrorIsIsolated() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        // An empty user name: its lookup inside the transaction fails with MDB_BAD_VALSIZE (names from clients are
        // checked first; a session's user name is not, as it comes from the log).
        let empty = ""
        let results = await withTaskGroup(of: (Int, Result<CommandOutcome, any Error>).self) { group in
            for index in 0..<60 {
                group.addTask {
                    let command: Command = index % 10 == 5
                        ? .openSession(user: empty, session: "s\(index)", tokenDigest: TokenDigest(bytes: Array(repeating: UInt8(index), count: 32))!,
                                       expiresAt: Timestamp(milliseconds: Int64.max / 2))
                        : .post(user: "alice", room: "kkbox", body: "ok \(index)", clientId: nil)
                    do { return (index, .success(try await log.append(command))) } catch { return (index, .failure(error)) }
                }
            }
            return await group.reduce(into: [Int: Result<CommandOutcome, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for (index, result) in results {
            switch result {
            case .success(let outcome): #expect(index % 10 != 5 && outcome.event != nil, "command \(index)")
            case .failure(let error): #expect(index % 10 == 5 && error as? LMDBError == .badValueSize, "command \(index): \(error)")
            }
        }
        #expect(try log.store.room(named: "kkbox")?.head == 1 + 54)
        #expect(try log.store.verify().isSound)
    }

    @Test("the writer's cache keeps no entry for a room or user that does not exist, whatever names clients send")
    func noNegativeCacheEntries() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        let transaction = AppendTransaction(store: log.store)
        let commands = (0..<500).map { Command.join(user: "alice", room: "nowhere-\($0)") } + [.post(user: "ghost", room: "kkbox", body: "x", clientId: nil)]
        let results = transaction.run(commands.map { ($0, nil) }, now: log.time.clock()).results
        #expect(results.allSatisfy { if case .failure = $0 { true } else { false } })
        #expect(transaction.cache.rooms.isEmpty && transaction.cache.users.keys.sorted() == ["alice"])
    }

    @Test("after stop, appends are refused with writerStopped and nothing queued is lost")
    func stop() async throws {
        let log = try TestLog()
        try await log.append(.register(user: "alice", passwordHash: "h"))
        log.writer.stop()
        await #expect(throws: StoreError.writerStopped) { try await log.writer.append(.register(user: "bob", passwordHash: "h")) }
        #expect(try log.store.head() == 1)
        log.close()
    }
}
