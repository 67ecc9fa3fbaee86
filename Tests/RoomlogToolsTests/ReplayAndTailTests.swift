import Foundation
import Testing
import RoomlogCore
import RoomlogStore
import RoomlogTestSupport

@Suite("roomlog replay and tail", .serialized)
struct ReplayAndTailTests {
    @Test("replay --json prints exactly the stored history of the room, in order; the readable form has a line per event")
    func replayMatchesStore() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let json = try await roomlog("replay", "kkbox", "--data", directory, "--json")
        let readable = try await roomlog("replay", "kkbox", "--data", directory)
        let page = try await roomlog("replay", "kkbox", "--data", directory, "--after", "3", "--limit", "2", "--json")
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        let stored = try #require(try store.roomEvents("kkbox", after: 0, limit: 10_000))
        #expect(json.status == 0)
        #expect(json.lines == stored.events.map(\.jsonRecordString))
        #expect(readable.lines.count == stored.events.count)
        #expect(readable.lines.first?.hasSuffix("* chen created the room (topic: 肚子餓了吃啥)") == true)
        #expect(readable.lines[3].hasPrefix("[4] ") && readable.lines[3].hasSuffix(" chen: 肚子餓了吃啥 ?"))
        #expect(page.lines == stored.events[3..<5].map(\.jsonRecordString))
    }

    @Test("readable replay shows control characters of bodies and topics escaped, never raw; --json keeps them exactly")
    func replayEscapesControls() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let body = "clear\u{1B}[2J\rroot: forged line\u{7}\u{202E}txt.exe\nsecond line"
        do {
            let store = try Store(configuration: StoreConfiguration(directory: directory))
            let writer = LogWriter(store: store)
            defer { writer.stop() }
            _ = try await writer.append(.register(user: "mallory", passwordHash: "h"))
            _ = try await writer.append(.createRoom(user: "mallory", room: "kkbox", topic: "topic\u{1B}]0;title\u{7}"))
            _ = try await writer.append(.post(user: "mallory", room: "kkbox", body: body, clientId: nil))
        }
        let readable = try await roomlog("replay", "kkbox", "--data", directory)
        let text = readable.lines.joined(separator: "\n")
        #expect(readable.status == 0)
        for raw in ["\u{1B}", "\r", "\u{7}", "\u{202E}"] { #expect(!text.contains(raw)) }
        #expect(readable.lines[0].hasSuffix(#"created the room (topic: topic\u{1B}]0;title\u{7})"#))
        #expect(readable.lines[1].hasSuffix(#"mallory: clear\u{1B}[2J\rroot: forged line\u{7}\u{202E}txt.exe"#))
        #expect(readable.lines[2] == "    second line")
        let json = try await roomlog("replay", "kkbox", "--data", directory, "--json")
        #expect(json.lines.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["body"] as? String == body)
    }

    @Test("replay of an unknown room, or of a missing data directory, fails with a message and exit 1")
    func replayUnknownRoom() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unknown = try await roomlog("replay", "nowhere", "--data", directory)
        #expect(unknown.status == 1)
        #expect(unknown.errors.contains("no room named nowhere"))
        let missing = try await roomlog("replay", "kkbox", "--data", directory + "-missing")
        #expect(missing.status == 1)
        #expect(missing.errors.contains("no Roomlog log in"))
        #expect(!FileManager.default.fileExists(atPath: directory + "-missing"))
    }

    @Test("tail prints the last 10 matching records by default, and filters by room and type")
    func tailDefaults() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        let all = try store.events(from: 1, limit: 10_000)
        let last = try await roomlog("tail", "--data", directory)
        #expect(last.lines == all.suffix(10).map(\.jsonRecordString))
        let joins = try await roomlog("tail", "--data", directory, "--room", "dev", "--type", "room.joined")
        #expect(joins.lines == all.filter { $0.room == "dev" && $0.type == .roomJoined }.suffix(10).map(\.jsonRecordString))
        let from = try await roomlog("tail", "--data", directory, "--from", "300")
        #expect(from.lines == all.filter { $0.seq >= 300 }.map(\.jsonRecordString))
    }

    @Test("tail --follow prints an event another process appends, and ends with exit 0 on SIGINT")
    func tailFollow() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try ChildProcess("roomlog-bench", ["append", "--data", directory, "--user", "first", "--count", "1"])
        #expect(try await setup.waitForExit() == 0)
        let tail = try ChildProcess("roomlog", ["tail", "--follow", "--data", directory, "--type", "message.posted"])
        try await tail.waitFor("the existing message") { $0.count == 1 }
        let writer = try ChildProcess("roomlog-bench", ["append", "--data", directory, "--user", "second", "--count", "3"])
        #expect(try await writer.waitForExit() == 0)
        try await tail.waitFor(seconds: 10, "three new messages") { $0.count == 4 }
        #expect(tail.lines.dropFirst().allSatisfy { $0.contains(#""user":"second""#) })
        tail.signal(SIGINT)
        #expect(try await tail.waitForExit(seconds: 10) == 0)
    }

    @Test("tail --follow ends when its reader goes away")
    func tailClosedPipe() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = ChildProcess.productsDirectory.appendingPathComponent("roomlog").path
        let pipeline = Process()
        pipeline.executableURL = URL(fileURLWithPath: "/bin/sh")
        pipeline.arguments = ["-c", "'\(binary)' tail --follow --from 1000 --data '\(directory)' | true"]
        try pipeline.run()
        let deadline = Date().addingTimeInterval(10)
        while pipeline.isRunning, Date() < deadline { await pause(milliseconds: 20) }
        #expect(!pipeline.isRunning)
        if pipeline.isRunning { pipeline.terminate() }
    }
}
