import ArgumentParser
import Foundation
import RoomlogCore
import RoomlogStore

/// A large log spread over many rooms: bytes per message, room page reads, rebuild and verify.
struct LogBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Build a large log; measure size, room pages, rebuild and verify.")

    @Option(help: "Message events to append.") var events = 1_000_000
    @Option(help: "Rooms (one user creates and posts in each).") var rooms = 1000
    @Option(help: "Message body size in bytes.") var bodyBytes = 200
    @Option(help: "Room pages to read.") var pages = 20000
    @Option(help: "Events per page.") var pageEvents = 100
    @Option(help: "Keep the log in this directory instead of a temporary one.") var keep: String?
    @Option(help: "Measure an existing log in this directory instead of building one.") var existing: String?
    @Flag(help: "Measure only rebuild.") var rebuildOnly = false

    func run() async throws {
        let directory = try existing ?? keep ?? temporaryDirectory("log")
        defer { if keep == nil && existing == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var configuration = StoreConfiguration(directory: directory)
        configuration.environment.durable = false
        let store = try Store(configuration: configuration)
        if existing == nil { try await populate(store) }
        if !rebuildOnly {
            try measureSize(store, directory)
            try measurePages(store)
        }
        let rebuild = try store.rebuild()
        print(String(format: "rebuild: %d events in %.3f s = %.0f events/s", rebuild.events, rebuild.seconds, Double(rebuild.events) / rebuild.seconds))
        let started = Date()
        let report = try store.verify()
        let seconds = Date().timeIntervalSince(started)
        print(String(format: "verify: %d events in %.3f s = %.0f events/s, sound=%@", report.events, seconds, Double(report.events) / seconds, "\(report.isSound)"))
    }

    func populate(_ store: Store) async throws {
        let writer = LogWriter(store: store)
        let started = Date()
        try await prepare(writer, users: rooms, rooms: rooms)
        let callers = max(rooms, 256)
        let perCaller = events / callers
        let body = body(bytes: bodyBytes)
        let rooms = rooms
        try await concurrently(callers) { caller in
            let room = caller % rooms
            for index in 0..<perCaller {
                _ = try await writer.append(.post(user: "u\(room)", room: "r\(room)", body: body, clientId: "c\(caller)-\(index)"))
            }
        }
        writer.stop()
        let seconds = Date().timeIntervalSince(started)
        print(String(format: "populated %d events (%d rooms, %d-byte bodies, MDB_NOSYNC) in %.1f s", try store.head(), rooms, bodyBytes, seconds))
    }

    func measureSize(_ store: Store, _ directory: String) throws {
        let head = try store.head()
        let sizes = try store.databaseSizes()
        let messages = Double(head - UInt64(2 * rooms))
        let total = fileSize(directory + "/data.mdb")
        let indexes = ["room_index", "client_ids", "client_ids_recent"].reduce(0) { $0 + (sizes[$1] ?? 0) }
        print(String(format: "bytes per message event: %.0f in events, %.0f with room_index and client_ids (B-tree and recent), %.0f of data.mdb (%d bytes for %d events)",
                     Double(sizes["events"] ?? 0) / messages, Double((sizes["events"] ?? 0) + indexes) / messages,
                     Double(total) / Double(head), total, head))
    }

    func measurePages(_ store: Store) throws {
        var latencies = Latencies()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<pages {
            let room = "r\(Int.random(in: 0..<rooms, using: &generator))"
            let headRoom = (try store.room(named: room))?.head ?? 0
            guard headRoom >= UInt64(pageEvents) else { throw ValidationError("room \(room) has fewer than \(pageEvents) events: use more --events") }
            let after = UInt64.random(in: 0...(headRoom - UInt64(pageEvents)), using: &generator)
            let started = Output.monotonicNanoseconds()
            let page = try store.roomEvents(room, after: after, limit: pageEvents)
            latencies.record(nanoseconds: Output.monotonicNanoseconds() - started)
            precondition(page?.events.count == pageEvents, "short page")
        }
        print("page of \(pageEvents) events of one room (decoded), random room and position: \(latencies.summary)")
    }
}
