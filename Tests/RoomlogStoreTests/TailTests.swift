import Testing
import RoomlogCore
@testable import RoomlogStore

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
        try await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        #expect(try await reader.value == 2)
    }
}
