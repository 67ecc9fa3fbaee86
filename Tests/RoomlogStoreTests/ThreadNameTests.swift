import Foundation
import Synchronization
import Testing
import RoomlogCore
@testable import RoomlogStore

@Suite("Thread names")
struct ThreadNameTests {
    /// The name the system gives the calling thread.
    static func systemName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .newlines)
    }

    @Test("every thread Thread.start starts has its name in the system from its first line on")
    func named() async {
        let (names, named) = AsyncStream<String>.makeStream()
        for index in 0..<40 {
            Thread.start(name: "roomlog-t\(index)") { named.yield(Self.systemName()) }
        }
        var seen: [String] = []
        for await name in names {
            seen.append(name)
            if seen.count == 40 { break }
        }
        #expect(Set(seen) == Set((0..<40).map { "roomlog-t\($0)" }))
    }

    @Test("a writer's threads are roomlog-writer and roomlog-commit, as an operator's top -H shows them")
    func writerThreads() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        let stamped = Mutex<String>("")
        // The clock stamps events on the writer's thread; the completion runs on the completion thread.
        let writer = LogWriter(store: store, clock: {
            stamped.withLock { $0 = Self.systemName() }
            return LogWriter.systemClock()
        })
        defer { writer.stop() }
        let completed = await withCheckedContinuation { continuation in
            writer.submit(.register(user: "alice", passwordHash: "h")) { _ in continuation.resume(returning: Self.systemName()) }
        }
        #expect(stamped.withLock { $0 } == "roomlog-writer")
        #expect(completed == "roomlog-commit")
    }
}
