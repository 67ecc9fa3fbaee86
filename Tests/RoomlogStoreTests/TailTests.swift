import Foundation
import Testing
import RoomlogCore
@testable import RoomlogStore
import RoomlogTestSupport

@Suite("Tail")
struct TailTests {
    @Test("a tail from a position yields what is there, then each new event once, in order")
    func tailInProcess() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        let tail = try log.store.tail(from: 2)
        let reader = Task {
            var seqs: [UInt64] = []
            for try await batch in tail {
                seqs += batch.map(\.seq)
                if seqs.last == 301 { break }
            }
            return seqs
        }
        for index in 0..<299 { try await log.append(.post(user: "alice", room: "kkbox", body: "m\(index)", clientId: nil)) }
        #expect(try await reader.value == Array(2...301))
    }

    @Test("batches are bounded by tailBatchEventsMax")
    func boundedBatches() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        for index in 0..<2500 { try await log.append(.post(user: "alice", room: "kkbox", body: "m\(index)", clientId: nil)) }
        var iterator = try log.store.tail(from: 1).makeAsyncIterator()
        let sizes = [try await iterator.next()?.count, try await iterator.next()?.count, try await iterator.next()?.count]
        #expect(sizes == [1024, 1024, 454])
    }

    @Test("cancelling a waiting tail ends it")
    func cancellation() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "kkbox")
        let reader = Task {
            var count = 0
            for try await batch in try log.store.tail(from: 1) { count += batch.count }
            return count
        }
        await pause(milliseconds: 50)
        reader.cancel()
        #expect(try await reader.value == 2)
    }

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
}
