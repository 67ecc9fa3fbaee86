import ArgumentParser
import Foundation
import RoomlogCore
import RoomlogStore

/// Cross-process wake-up: a child process appends one event at a time and records when each commit returned;
/// this process tails the log and records when it saw each event.
struct WakeupBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wakeup", abstract: "Latency from a commit in one process to a tailer in another.")

    @Option(help: "Events the child appends.") var count = 2000
    @Option(help: "Microseconds between the child's appends.") var intervalMicroseconds = 1000
    @Option(help: "How the tailer waits: follower (LogFollower's thread, as the gateway's broadcast), blocking (as `roomlog tail --follow`).")
    var mode: TailMode = .follower

    enum TailMode: String, ExpressibleByArgument { case follower, blocking }

    func run() async throws {
        let directory = try temporaryDirectory("wakeup")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        let commitsFile = directory + "/commits.txt"
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executablePath())
        child.arguments = ["wake-writer", "--data", directory, "--count", "\(count)", "--interval-microseconds", "\(intervalMicroseconds)", "--out", commitsFile]
        try child.run()
        let seen: [UInt64: UInt64]
        switch mode {
        case .follower: seen = try await followOnThread(store)
        case .blocking: seen = try followBlocking(store)
        }
        child.waitUntilExit()
        var latencies = Latencies()
        let lines = try String(contentsOfFile: commitsFile, encoding: .utf8).split(separator: "\n")
        for line in lines {
            let fields = line.split(separator: " ").compactMap { UInt64($0) }
            guard fields.count == 2, let seenAt = seen[fields[0]], seenAt >= fields[1] else { continue }
            latencies.record(nanoseconds: seenAt - fields[1])
        }
        print("cross-process wake-up, commit returned -> \(mode.rawValue) tailer in another process has the event (writer MDB_NOSYNC, one event per commit, \(intervalMicroseconds) µs apart)")
        print(latencies.summary)
    }
}

/// Records when each event arrives, until the event whose body is "end", with a `LogFollower`, which hands
/// batches over on its own thread.
func followOnThread(_ store: Store) async throws -> [UInt64: UInt64] {
    final class Seen: @unchecked Sendable {
        var times: [UInt64: UInt64] = [:]
    }
    let seen = Seen()
    let (ends, ended) = AsyncStream<(any Error)?>.makeStream()
    let follower = try LogFollower(store: store, from: 1, onBatch: { batch in
        let now = Output.monotonicNanoseconds()
        for event in batch {
            seen.times[event.seq] = now
            if case .messagePosted(_, _, "end", _) = event.payload { ended.yield(nil) }
        }
    }, onEnd: { error in
        ended.yield(error)
        ended.finish()
    })
    for await end in ends {
        follower.stop()
        if let end { throw end }
        break
    }
    return seen.times
}

/// The same with the blocking wait on this thread.
func followBlocking(_ store: Store) throws -> [UInt64: UInt64] {
    var seen: [UInt64: UInt64] = [:]
    var next: UInt64 = 1
    var generation = try store.waitForAppend(after: nil, milliseconds: 0)
    while true {
        let batch = try store.events(from: next, limit: 1024)
        let now = Output.monotonicNanoseconds()
        for event in batch {
            seen[event.seq] = now
            next = event.seq + 1
            if case .messagePosted(_, _, "end", _) = event.payload { return seen }
        }
        if batch.isEmpty { generation = try store.waitForAppend(after: generation, milliseconds: 250) }
    }
}

/// Benchmark helper: appends one event per commit and writes `SEQ NANOSECONDS` for each commit to a file.
struct WakeWriterChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wake-writer", abstract: "Append events one per commit, recording commit times (benchmark helper).")

    @Option(help: "The data directory.") var data: String
    @Option(help: "Events to append.") var count: Int
    @Option(help: "Microseconds between appends.") var intervalMicroseconds: Int
    @Option(help: "Where to write the commit times.") var out: String

    func run() async throws {
        var configuration = StoreConfiguration(directory: data)
        configuration.environment.durable = false
        let store = try Store(configuration: configuration)
        let writer = LogWriter(store: store)
        let commits = Commits()
        writer.observeCommits { report in commits.record(report.head, Output.monotonicNanoseconds()) }
        try await enter(writer, user: "writer", room: "wake")
        for index in 0..<count {
            _ = try await writer.append(.post(user: "writer", room: "wake", body: "\(index)", clientId: nil))
            try await Task.sleep(for: .microseconds(intervalMicroseconds))
        }
        _ = try await writer.append(.post(user: "writer", room: "wake", body: "end", clientId: nil))
        writer.stop()
        try commits.text.write(toFile: out, atomically: true, encoding: .utf8)
    }

    final class Commits: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func record(_ seq: UInt64, _ nanoseconds: UInt64) { lock.withLock { lines.append("\(seq) \(nanoseconds)") } }
        var text: String { lock.withLock { lines.joined(separator: "\n") } }
    }
}
