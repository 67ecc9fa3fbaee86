import Foundation
import Testing
import RoomlogCore
import RoomlogTestSupport
@testable import RoomlogStore

/// Parses `ack SEQ ROOMSEQ N` lines.
func acks(_ lines: [String]) -> [(seq: UInt64, roomSeq: UInt64, index: Int)] {
    lines.compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count == 4, fields[0] == "ack", let seq = UInt64(fields[1]), let roomSeq = UInt64(fields[2]), let index = Int(fields[3]) else { return nil }
        return (seq, roomSeq, index)
    }
}

@Suite("Several processes on one log", .serialized)
struct CrossProcessTests {
    @Test("two processes append at once while a third tails: seq dense, each writer's order kept, every event seen once")
    func twoWritersOneTailer() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let count = 300
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tailer = try ChildProcess("roomlog-bench", ["tail", "--data", directory, "--count", "\(2 * count)"])
        try await tailer.waitFor("tailer ready") { $0.contains("ready") }
        let writers = try ["wa", "wb"].map { try ChildProcess("roomlog-bench", ["append", "--data", directory, "--user", $0, "--count", "\(count)", "--client-ids-recent-max", "16"]) }
        for writer in writers { #expect(try await writer.waitForExit() == 0) }
        #expect(try await tailer.waitForExit() == 0)

        let tailed = tailer.lines.filter { $0 != "ready" }.map { $0.split(separator: " ").map(String.init) }
        let seqs = tailed.compactMap { UInt64($0[0]) }
        #expect(seqs == Array(1...UInt64(seqs.count)))
        var idsByUser: [String: [String]] = [:]
        var idBySeq: [UInt64: String] = [:]
        for fields in tailed where fields.count == 3 {
            idsByUser[fields[1], default: []].append(fields[2])
            idBySeq[UInt64(fields[0])!] = fields[2]
        }
        for (index, user) in ["wa", "wb"].enumerated() {
            #expect(idsByUser[user] == (0..<count).map { "\(user)-\($0)" })
            let acked = acks(writers[index].lines)
            #expect(acked.map(\.index) == Array(0..<count))
            #expect(acked.map(\.seq) == acked.map(\.seq).sorted())
            for ack in acked { #expect(idBySeq[ack.seq] == "\(user)-\(ack.index)") }
        }
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        #expect(try store.verify().isSound)
        #expect(try store.room(named: "shared")?.head == UInt64(2 * count + 2))
    }

    @Test("a client id posted through another process, recent or merged, is repeated here, not appended twice")
    func repeatedAcrossProcesses() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = StoreConfiguration(directory: directory)
        configuration.clientIdsRecentMax = 16
        configuration.clientIdsMergeMax = 8
        let store = try Store(configuration: configuration)
        let writer = LogWriter(store: store)
        defer { writer.stop() }
        _ = try await writer.append(.register(user: "here", passwordHash: "h"))  // this writer has caught up to here
        let count = 40
        let other = try await run("roomlog-bench", ["append", "--data", directory, "--user", "there", "--count", "\(count)", "--client-ids-recent-max", "16"])
        #expect(other.status == 0)
        let acked = acks(other.lines)
        #expect(acked.count == count)
        let head = try store.head()
        for ack in acked {
            let outcome = try await writer.append(.post(user: "there", room: "shared", body: "again", clientId: "there-\(ack.index)"))
            guard case .repeated(let receipt) = outcome else {
                Issue.record("there-\(ack.index) was not repeated: \(outcome)")
                continue
            }
            #expect(receipt.seq == ack.seq && receipt.roomSeq == ack.roomSeq && receipt.room == "shared")
        }
        #expect(try store.head() == head)
        #expect(try store.verify().isSound)
    }

    @Test("what the writer caches of users, rooms and memberships gives way to another process's commits")
    func cacheAcrossProcesses() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(try await run("roomlog-bench", ["append", "--data", directory, "--user", "there", "--count", "1"]).status == 0)
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        let writer = LogWriter(store: store)
        defer { writer.stop() }
        #expect(try await writer.append(.post(user: "there", room: "shared", body: "cached", clientId: nil)).event?.roomSeq == 3)
        #expect(try await run("roomlog-bench", ["append", "--data", directory, "--user", "there", "--from", "1", "--count", "1", "--leave"]).status == 0)
        await #expect(throws: RoomlogError.notAMember) { try await writer.append(.post(user: "there", room: "shared", body: "stale", clientId: nil)) }
        _ = try await writer.append(.register(user: "here", passwordHash: "h"))
        #expect(try await writer.append(.join(user: "here", room: "shared")).event?.roomSeq == 6)
        #expect(try store.verify().isSound)
    }

    @Test("SIGKILL while appending loses no acknowledged event; the log reopens dense and verified")
    func crash() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var acknowledged: [(user: String, seq: UInt64, index: Int)] = []
        for (round, killAfter) in [1, 40, 250].enumerated() {
            let user = "crash\(round)"
            let child = try ChildProcess("roomlog-bench", ["append", "--data", directory, "--user", user, "--count", "0", "--client-ids-recent-max", "16"])
            try await child.waitFor("\(killAfter) acks") { acks($0).count >= killAfter }
            child.kill()
            _ = try await child.waitForExit()
            acknowledged += acks(child.lines).map { (user, $0.seq, $0.index) }
        }
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        let report = try store.verify()
        #expect(report.problems == [])
        for ack in acknowledged {
            let event = try #require(try store.event(at: ack.seq))
            #expect(event.payload == .messagePosted(user: ack.user, room: "shared", body: "\(ack.user) says \(ack.index)", clientId: "\(ack.user)-\(ack.index)"))
        }
        #expect(try store.head() >= acknowledged.map(\.seq).max()!)
        #expect(acknowledged.count >= 291)
    }
}
