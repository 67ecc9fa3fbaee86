import Foundation
import Testing
import RoomlogCore
@testable import RoomlogStore
import RoomlogTestSupport

@Suite("Tail")
struct TailTests {
    @Test("a follower hands over what is there, then each new event once, in order, in bounded batches; stop ends it with no error")
    func follower() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        for index in 0..<1500 { try await log.append(.post(user: "alice", room: "kkbox", body: "m\(index)", clientId: nil)) }
        final class Seen: @unchecked Sendable {
            let lock = NSLock()
            var seqs: [UInt64] = []
            var largestBatch = 0
        }
        let seen = Seen()
        let (ends, ended) = AsyncStream<(any Error)?>.makeStream()
        let (arrivals, arrived) = AsyncStream<UInt64>.makeStream()
        let follower = try LogFollower(store: log.store, from: 2, onBatch: { batch in
            seen.lock.withLock {
                seen.seqs += batch.map(\.seq)
                seen.largestBatch = max(seen.largestBatch, batch.count)
            }
            arrived.yield(batch.last!.seq)
        }, onEnd: { error in
            ended.yield(error)
            ended.finish()
        })
        for index in 0..<300 { try await log.append(.post(user: "alice", room: "kkbox", body: "n\(index)", clientId: nil)) }
        for await seq in arrivals where seq == 1802 { break }
        follower.stop()
        var endings: [String] = []
        for await end in ends { endings.append(end.map { "\($0)" } ?? "none") }
        #expect(endings == ["none"])
        seen.lock.withLock {
            #expect(seen.seqs == Array(2...1802))
            #expect(seen.largestBatch == 1024)
        }
    }

    @Test("an event committed but not flushed reaches no reader; a reader flushes the stall a dead writer leaves")
    func durableOnly() async throws {
        let log = try TestLog(durable: true, tailSafetyPollMilliseconds: 50)
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        let head = try log.store.head()
        // A commit whose flush never ran, as a writer killed between the two leaves it.
        let results = AppendTransaction(store: log.store).run([(.post(user: "alice", room: "kkbox", body: "unflushed", clientId: nil), nil)],
                                                               now: log.time.clock())
        #expect(try results.results[0].get().event?.seq == head + 1)
        #expect(try log.store.head() == head)
        #expect(try log.store.event(at: head + 1) == nil)
        #expect(try log.store.roomEvents("kkbox", after: 0, limit: 10)?.events.count == 1)
        #expect(try log.store.events(from: 1, limit: 10).map(\.seq) == Array(1...head))
        await pause(milliseconds: 80)
        #expect(try log.store.events(from: 1, limit: 10).map(\.seq) == Array(1...head + 1))
        #expect(try log.store.head() == head + 1)
        #expect(try log.store.roomEvents("kkbox", after: 0, limit: 10)?.events.count == 2)
    }
}
