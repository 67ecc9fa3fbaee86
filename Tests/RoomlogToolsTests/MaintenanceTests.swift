import Foundation
import Testing
import RoomlogAuth
import RoomlogCore
@testable import RoomlogStore
import RoomlogTestSupport

@Suite("roomlog rebuild, verify, export, import, stats", .serialized)
struct MaintenanceTests {
    func projections(_ directory: String) throws -> Projections {
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        return try store.environment.read { txn in try store.loadProjections(txn) }
    }

    @Test("rebuild leaves every projection equal, and verify then passes")
    func rebuild() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = try projections(directory)
        let result = try await roomlog("rebuild", "--data", directory)
        #expect(result.status == 0)
        #expect(result.lines.first?.hasPrefix("rebuilt from 319 events in ") == true)
        #expect(result.lines.first?.contains("6 users, 5 live sessions, 4 rooms, 16 memberships, 288 client message ids") == true)
        #expect(try projections(directory) == before)
        let verify = try await roomlog("verify", "--data", directory)
        #expect(verify.status == 0)
        #expect(verify.lines.first?.hasPrefix("ok: 319 events") == true)
    }

    @Test("verify names a damaged record's seq and exits 1")
    func verifyDamagedRecord() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let store = try Store(configuration: StoreConfiguration(directory: directory))
            try store.environment.write { txn in
                var bytes = Array(try #require(try txn.get(store.databases.events, StoreKeys.seq(150))))
                bytes[bytes.count - 7] ^= 0x01
                try txn.put(store.databases.events, StoreKeys.seq(150), bytes)
            }
        }
        let result = try await roomlog("verify", "--data", directory)
        #expect(result.status == 1)
        #expect(result.errors.contains("record at seq 150 does not decode"))
    }

    @Test("verify finds a projection edited behind its back; rebuild repairs it")
    func verifyEditedProjection() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let store = try Store(configuration: StoreConfiguration(directory: directory))
            try store.environment.write { txn in
                try txn.put(store.databases.roomMembers, StoreKeys.pair("paris", "bob"), [])
            }
        }
        let broken = try await roomlog("verify", "--data", directory)
        #expect(broken.status == 1)
        #expect(broken.errors.contains("room_members differs from a rebuild"))
        #expect(try await roomlog("rebuild", "--data", directory).status == 0)
        #expect(try await roomlog("verify", "--data", directory).status == 0)
    }

    @Test("export then import: the same epoch and replay, verify passes, users log in with their passwords; the file is 0600")
    func exportImport() async throws {
        let source = try await importedSample()
        let target = temporaryDataDirectory()
        let file = temporaryDataDirectory() + ".jsonl.gz"
        defer { for path in [source, target, file] { try? FileManager.default.removeItem(atPath: path) } }
        let exported = try await roomlog("export", "--data", source, file)
        #expect(exported.status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try await roomlog("export", "--data", source, file).status == 1)
        #expect(try await roomlog("import", "--data", target, file).status == 0)
        for room in ["lobby", "kkbox", "paris", "dev"] {
            let a = try await roomlog("replay", room, "--data", source, "--json")
            let b = try await roomlog("replay", room, "--data", target, "--json")
            #expect(a.lines == b.lines && !a.lines.isEmpty)
        }
        #expect(try await roomlog("verify", "--data", target).status == 0)
        let original = try Store(configuration: StoreConfiguration(directory: source))
        let imported = try Store(configuration: StoreConfiguration(directory: target))
        #expect(imported.epoch == original.epoch)
        #expect(try projections(target) == projections(source))
        let writer = LogWriter(store: imported)
        defer { writer.stop() }
        let accounts = try Accounts(store: imported, writer: writer)
        #expect(try await accounts.login(name: "chen", password: "roomlog-demo").session.user == "chen")
        await #expect(throws: RoomlogError.badCredentials) { try await accounts.login(name: "chen", password: "not-the-password") }
    }

    @Test("import refuses a truncated file and leaves nothing behind")
    func importTruncated() async throws {
        let target = temporaryDataDirectory()
        let file = temporaryDataDirectory() + ".jsonl.gz"
        defer { for path in [target, file] { try? FileManager.default.removeItem(atPath: path) } }
        let whole = try Data(contentsOf: URL(fileURLWithPath: samplePath))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: file))
        let result = try await roomlog("import", "--data", target, file)
        #expect(result.status == 1)
        #expect(result.errors.contains("truncated"))
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(!FileManager.default.fileExists(atPath: target + ".importing"))
    }

    @Test("import names the line of a bad record, a gap, or a missing trailer")
    func importBadLines() async throws {
        let header = #"{"roomlog":"export","format":1,"epoch":"e1","head":2}"#
        let one = #"{"seq":1,"at":"2026-11-26T14:53:23.120Z","type":"user.registered","user":"ann","passwordHash":"h"}"#
        let cases: [(String, String)] = [
            ([header, one, #"{"seq":2,"at":"2026-11-26T14:53:23.120Z","type":"user.registered"}"#].joined(separator: "\n") + "\n", "line 3: missing or bad field user"),
            ([header, one, #"{"seq":3,"at":"2026-11-26T14:53:23.120Z","type":"user.registered","user":"bo","passwordHash":"h"}"#].joined(separator: "\n") + "\n", "line 3: expected seq 2, found 3"),
            ([header, one, "not json"].joined(separator: "\n") + "\n", "line 3: not a JSON record"),
            ([header, one].joined(separator: "\n") + "\n", "without its trailer"),
            ([header, one, #"{"roomlog":"end","events":2}"#].joined(separator: "\n") + "\n", "the trailer counts"),
            ("{}\n", "line 1: not a Roomlog export header"),
            ([header, one, #"{"seq":2,"at":"2026-11-26T14:53:23.120Z","type":"user.registered","user":"ann","passwordHash":"h"}"#].joined(separator: "\n") + "\n", "line 3: the log is inconsistent at seq 2: user ann is registered twice"),
            (([#"{"roomlog":"export","format":1,"epoch":"e1","head":5}"#, one]
              + [#"{"seq":2,"at":"2026-11-26T14:53:23.120Z","type":"room.created","user":"ann","room":"r","roomSeq":1,"topic":""}"#,
                 #"{"seq":3,"at":"2026-11-26T14:53:23.120Z","type":"message.posted","user":"ann","room":"r","roomSeq":2,"body":"a","id":"x"}"#,
                 #"{"seq":4,"at":"2026-11-26T14:53:23.120Z","type":"message.posted","user":"ann","room":"r","roomSeq":3,"body":"b","id":"x"}"#,
                 #"{"seq":5,"at":"2026-11-26T14:53:23.120Z","type":"message.posted","user":"ann","room":"r","roomSeq":4,"body":"c"}"#,
                 #"{"roomlog":"end","events":5}"#]).joined(separator: "\n") + "\n", "line 5: the log is inconsistent at seq 4: client id x is used twice"),
        ]
        for (text, message) in cases {
            let target = temporaryDataDirectory()
            let file = temporaryDataDirectory() + ".jsonl"
            defer { for path in [target, file] { try? FileManager.default.removeItem(atPath: path) } }
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await roomlog("import", "--data", target, file)
            #expect(result.status == 1)
            #expect(result.errors.contains(message), "\(message) in \(result.errors)")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    @Test("import refuses a data directory that is not empty")
    func importNonEmpty() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await roomlog("import", "--data", directory, samplePath)
        #expect(result.status == 1)
        #expect(result.errors.contains("is not empty"))
        #expect(try await roomlog("verify", "--data", directory).status == 0)
    }

    @Test("stats prints head, epoch, counts by type, sizes and readers")
    func stats() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await roomlog("stats", "--data", directory)
        #expect(result.status == 0)
        #expect(result.lines.contains("head: 319"))
        #expect(result.lines.contains("events.message.posted: 288"))
        #expect(result.lines.contains("live sessions: 5"))
        #expect(result.lines.contains("client message ids: 288 (0 recent, not yet merged)"))
        #expect(result.lines.contains { $0.hasPrefix("epoch: ") && $0.count == 7 + 32 })
        #expect(result.lines.contains { $0.hasPrefix("map bytes: ") })
    }

    @Test("stats counts the client ids still in the recent table with the merged ones")
    func statsCountsRecentClientIds() async throws {
        let directory = try await importedSample()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let store = try Store(configuration: StoreConfiguration(directory: directory))
            let writer = LogWriter(store: store)
            defer { writer.stop() }
            for index in 0..<3 { _ = try await writer.append(.post(user: "chen", room: "kkbox", body: "more \(index)", clientId: "more-\(index)")) }
        }
        let result = try await roomlog("stats", "--data", directory)
        #expect(result.lines.contains("client message ids: 291 (3 recent, not yet merged)"))
    }

    @Test("bad usage exits 2; --help exits 0", arguments: [
        [], ["bogus"], ["replay"], ["replay", "kkbox", "--limit", "0"], ["tail", "--type", "message.sent"], ["tail", "--from", "x"],
        ["export"], ["import"], ["verify", "--nope"],
    ])
    func badUsage(arguments: [String]) async throws {
        let result = try await run("roomlog", arguments)
        #expect(result.status == 2, "\(arguments): \(result.errors)")
        #expect(!result.errors.isEmpty)
    }

    @Test("every subcommand has --help", arguments: ["serve", "replay", "tail", "rebuild", "verify", "export", "import", "stats"])
    func help(command: String) async throws {
        let result = try await run("roomlog", [command, "--help"])
        #expect(result.status == 0)
        #expect(result.lines.first?.hasPrefix("OVERVIEW: ") == true)
    }
}
