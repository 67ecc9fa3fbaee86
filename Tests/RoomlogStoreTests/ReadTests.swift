import Testing
import RoomlogCore
@testable import RoomlogStore

@Suite("Reads")
struct ReadTests {
    @Test("room pages after, before and latest, ascending, from the room's own index")
    func roomPages() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice", "bob"], room: "a")
        try await log.append(.createRoom(user: "bob", room: "b", topic: ""))
        for index in 1...30 {
            try await log.append(.post(user: "alice", room: "a", body: "a\(index)", clientId: nil))
            try await log.append(.post(user: "bob", room: "b", body: "b\(index)", clientId: nil))
        }
        let after = try #require(try log.store.roomEvents("a", after: 2, limit: 5))
        #expect(after.head == 32)
        #expect(after.events.map(\.roomSeq) == [3, 4, 5, 6, 7])
        #expect(after.events.compactMap(messageBody) == ["a1", "a2", "a3", "a4", "a5"])
        #expect(try log.store.roomEvents("a", after: 30, limit: 5)?.events.map(\.roomSeq) == [31, 32])
        #expect(try log.store.roomEvents("a", after: 32, limit: 5)?.events == [])
        #expect(try log.store.roomEvents("a", before: 10, limit: 3)?.events.map(\.roomSeq) == [7, 8, 9])
        #expect(try log.store.roomEvents("a", before: 3, limit: 5)?.events.map(\.roomSeq) == [1, 2])
        #expect(try log.store.roomEvents("a", before: 1, limit: 5)?.events == [])
        #expect(try log.store.latestRoomEvents("b", limit: 2)?.events.compactMap(messageBody) == ["b29", "b30"])
        #expect(try log.store.latestRoomEvents("b", limit: 500)?.events.count == 31)
        #expect(try log.store.roomEvents("nowhere", after: 0, limit: 5) == nil)
        #expect(try log.store.rooms().rooms.map(\.name) == ["a", "b"])
    }

    @Test("a room whose name is a prefix of another's keeps its own history")
    func prefixRooms() async throws {
        let log = try TestLog()
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "ab")
        try await log.append(.createRoom(user: "alice", room: "a", topic: ""))
        try await log.append(.post(user: "alice", room: "ab", body: "in ab", clientId: nil))
        #expect(try log.store.latestRoomEvents("a", limit: 10)?.events.count == 1)
        #expect(try log.store.latestRoomEvents("ab", limit: 10)?.events.count == 2)
        #expect(try log.store.rooms(of: "alice") == ["a", "ab"])
    }

    @Test("the map grows when full; no append fails while the disk has room")
    func mapGrowth() async throws {
        let log = try TestLog(mapSizeBytes: 1 << 20)
        defer { log.close() }
        try await log.seed(users: ["alice"], room: "big")
        let before = log.store.environment.mapSizeBytes
        let body = String(repeating: "x", count: 3000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<8 {
                group.addTask {
                    for index in 0..<250 { try await log.append(.post(user: "alice", room: "big", body: body, clientId: "l\(lane)-\(index)")) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try log.store.room(named: "big")?.head == 2001)
        #expect(log.store.environment.mapSizeBytes > before)
        #expect(try log.store.verify().isSound)
    }
}
