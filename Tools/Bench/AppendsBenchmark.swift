import ArgumentParser
import Foundation
import RoomlogCore
import RoomlogStore

/// Durable appends with N concurrent callers: events/s and events per commit.
struct AppendsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "appends", abstract: "Durable message appends with concurrent callers.")

    @Option(help: "Comma-separated caller counts.") var callers = "1,16,256,1024"
    @Option(help: "Seconds per caller count.") var seconds = 5.0
    @Option(help: "Rooms the callers post to.") var rooms = 16
    @Option(help: "Message body size in bytes.") var bodyBytes = 200
    @Flag(help: "Use MDB_NOSYNC (not durable).") var noSync = false
    @Flag(help: "Send no client message ids.") var noIds = false
    @Option(help: "StoreConfiguration.clientIdsRecentMax (the default if not given).") var clientIdsRecentMax: Int?
    @Option(help: "StoreConfiguration.clientIdsMergeMax (the default if not given).") var clientIdsMergeMax: Int?

    func run() async throws {
        print("durable=\(!noSync) ids=\(!noIds) body=\(bodyBytes)B rooms=\(rooms) seconds=\(seconds)")
        print("callers  events/s  events/commit  commits/s  mean-latency-ms")
        for count in callers.split(separator: ",").compactMap({ Int($0) }) {
            try await measure(callers: count)
        }
    }

    func measure(callers: Int) async throws {
        let directory = try temporaryDirectory("appends")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = StoreConfiguration(directory: directory)
        configuration.environment.durable = !noSync
        if let clientIdsRecentMax { configuration.clientIdsRecentMax = clientIdsRecentMax }
        if let clientIdsMergeMax { configuration.clientIdsMergeMax = clientIdsMergeMax }
        let store = try Store(configuration: configuration)
        let writer = LogWriter(store: store)
        try await prepare(writer, users: callers, rooms: rooms)
        let before = writer.statistics
        let started = Date()
        let deadline = started.addingTimeInterval(seconds)
        let body = body(bytes: bodyBytes)
        let rooms = rooms
        let noIds = noIds
        try await concurrently(callers) { caller in
            var index = 0
            while Date() < deadline {
                _ = try await writer.append(.post(user: "u\(caller)", room: "r\(caller % rooms)", body: body, clientId: noIds ? nil : "c\(index)"))
                index += 1
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        let after = writer.statistics
        writer.stop()
        let events = Double(after.events - before.events)
        let commits = Double(after.commits - before.commits)
        print(String(format: "%7d  %8.0f  %13.1f  %9.0f  %15.2f", callers, events / elapsed, events / commits, commits / elapsed,
                     elapsed * 1000 * Double(callers) / events))
    }
}
