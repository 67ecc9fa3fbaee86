import ArgumentParser
import Foundation
import Logging
import RoomlogCluster
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
    @Option(help: "Append through a cluster on this PostgreSQL server (postgres://USER@HOST/DATABASE): a new database per measurement; the mirrors run without fsync.")
    var cluster: String?
    @Option(help: "Hosts (mirrors with their own writer and link) sharing the callers, with --cluster.") var hosts = 1

    func run() async throws {
        let through = cluster.map { "cluster=\($0) hosts=\(hosts)" } ?? "durable=\(!noSync)"
        print("\(through) ids=\(!noIds) body=\(bodyBytes)B rooms=\(rooms) seconds=\(seconds)")
        print("callers  events/s  events/commit  commits/s  mean-latency-ms" + (cluster == nil ? "" : "  wal-flushes/s  mean-wal-flush-ms"))
        for count in callers.split(separator: ",").compactMap({ Int($0) }) {
            try await measure(callers: count)
        }
    }

    func measure(callers: Int) async throws {
        let directories = try (0..<max(1, hosts)).map { _ in try temporaryDirectory("appends") }
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        let logger = Logger(label: "roomlog-bench")
        let server = try cluster.map(ClusterAddress.init)
        let database = try server.map { try ClusterAddress(ClusterMaintenance.createDatabase($0, named: "roomlog_bench_\(UInt32.random(in: 0...UInt32.max))", logger: logger)) }
        let writers = try directories.map { directory in
            var configuration = StoreConfiguration(directory: directory)
            configuration.environment.durable = !noSync && database == nil
            if let clientIdsRecentMax { configuration.clientIdsRecentMax = clientIdsRecentMax }
            if let clientIdsMergeMax { configuration.clientIdsMergeMax = clientIdsMergeMax }
            guard let database else { return LogWriter(store: try Store(configuration: configuration)) }
            let (store, link) = try Cluster.open(database, configuration: configuration, logger: logger)
            return LogWriter(store: store, cluster: link)
        }
        try await prepare(writers[0], users: callers, rooms: rooms)
        let before = writers.map(\.statistics)
        let walBefore = try database.map { try ClusterMaintenance.walFlushes($0, logger: logger) }
        let started = Date()
        let deadline = started.addingTimeInterval(seconds)
        let body = body(bytes: bodyBytes)
        let rooms = rooms
        let noIds = noIds
        try await concurrently(callers) { caller in
            let writer = writers[caller % writers.count]
            var index = 0
            while Date() < deadline {
                _ = try await writer.append(.post(user: "u\(caller)", room: "r\(caller % rooms)", body: body, clientId: noIds ? nil : "c\(index)"))
                index += 1
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        let after = writers.map(\.statistics)
        let walAfter = try database.map { try ClusterMaintenance.walFlushes($0, logger: logger) }
        for writer in writers { writer.stop() }
        let events = Double(zip(after, before).reduce(0) { $0 + $1.0.events - $1.1.events })
        let commits = Double(zip(after, before).reduce(0) { $0 + $1.0.commits - $1.1.commits })
        var line = String(format: "%7d  %8.0f  %13.1f  %9.0f  %15.2f", callers, events / elapsed, events / commits, commits / elapsed,
                          elapsed * 1000 * Double(callers) / events)
        if let walBefore, let walAfter {
            let flushes = Double(walAfter.syncs - walBefore.syncs)
            line += String(format: "  %13.0f  %17.3f", flushes / elapsed, flushes > 0 ? (walAfter.milliseconds - walBefore.milliseconds) / flushes : 0)
        }
        print(line)
    }
}
