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
        let writers = try ["wa", "wb"].map { try ChildProcess("roomlog-bench", ["append", "--data", directory, "--user", $0, "--count", "\(count)"]) }
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

    @Test("SIGKILL while appending loses no acknowledged event; the log reopens dense and verified")
    func crash() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var acknowledged: [(user: String, seq: UInt64, index: Int)] = []
        for (round, killAfter) in [1, 40, 250].enumerated() {
            let user = "crash\(round)"
            let child = try ChildProcess("roomlog-bench", ["append", "--data", directory, "--user", user, "--count", "0"])
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
