import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Histogram
import NIOCore
import NIOPosix
import Synchronization

/// A load generator for a running gateway: it checks every delivery for loss, repeats and order, and prints
/// deliveries/s, latency percentiles, and the server's peak RSS.
@main
struct RoomlogLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roomlog-load",
        abstract: "Load a running Roomlog gateway over WebSockets (run it with --bcrypt-cost 4 --login-attempts-per-minute 100000 and a high --sends-per-second).",
        subcommands: [FanOut.self, ManyRooms.self, Idle.self])
}

struct LoadOptions: ParsableArguments {
    @Option(help: "The gateway's port on 127.0.0.1.") var port = 8080
    @Option(help: "The gateway's pid, to report its peak RSS.") var serverPid: Int32?
    @Option(help: "Seconds of sending.") var seconds = 10.0
    @Option(help: "Event loop threads of the generator.") var threads = 1
    @Option(help: "A prefix for user and room names, so runs do not collide.") var prefix = "load\(Int.random(in: 1000...9999))"
}

/// Plain HTTP to the gateway.
struct Gateway: Sendable {
    let port: Int

    func call(_ method: String, _ path: String, _ body: String?, token: String? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// Registers and logs in `name`; returns its token.
    func user(_ name: String) async throws -> String {
        _ = try await call("POST", "/api/v1/register", #"{"name":"\#(name)","password":"load-password"}"#)
        guard let token = try await call("POST", "/api/v1/login", #"{"name":"\#(name)","password":"load-password"}"#)["token"] as? String else {
            throw ValidationError("login of \(name) failed (is the gateway running with --login-attempts-per-minute 100000?)")
        }
        return token
    }

    /// Tokens for `count` users, made `lanes` at a time.
    func users(_ names: [String], lanes: Int = 16) async throws -> [String] {
        var tokens = [String](repeating: "", count: names.count)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            while next < min(lanes, names.count) { let i = next; group.addTask { (i, try await user(names[i])) }; next += 1 }
            while let (index, token) = try await group.next() {
                tokens[index] = token
                if next < names.count { let i = next; group.addTask { (i, try await user(names[i])) }; next += 1 }
            }
        }
        return tokens
    }
}

/// What one receiver saw: latencies, and whether every roomSeq came once, in order.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    private(set) var deliveries = 0
    private(set) var gaps = 0
    private(set) var repeats = 0
    private var first: UInt64?
    private var last: UInt64 = 0

    func record(latencyMicroseconds: UInt64, count: Int = 1) {
        let now = monotonicMicroseconds()
        lock.withLock {
            _ = histogram.record(max(1, latencyMicroseconds))
            deliveries += count
            if first == nil { first = now - min(now, latencyMicroseconds) }
            last = now
        }
    }

    func fault(gap: Bool) { lock.withLock { if gap { gaps += 1 } else { repeats += 1 } } }

    func report(seconds: Double, serverPid: Int32?) {
        lock.withLock {
            func ms(_ p: Double) -> String { String(format: "%.2f", Double(histogram.valueAtPercentile(p)) / 1000) }
            let elapsed = Double(last - (first ?? last)) / 1_000_000
            print(String(format: "deliveries: %d between the first send and the last delivery, %.2f s = %.0f/s (sending lasted %.1f s)",
                         deliveries, elapsed, Double(deliveries) / max(elapsed, 0.001), seconds))
            print("latency ms: p50 \(ms(50)) p99 \(ms(99)) p99.9 \(ms(99.9)) max \(String(format: "%.2f", Double(histogram.max) / 1000))")
            print("loss (gaps): \(gaps), repeats or out of order: \(repeats)")
            if let serverPid, let status = try? String(contentsOfFile: "/proc/\(serverPid)/status", encoding: .utf8) {
                for line in status.split(separator: "\n") where line.hasPrefix("VmHWM") || line.hasPrefix("VmRSS") { print("server \(line)") }
            }
        }
    }
}

func monotonicMicroseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
}

/// A run's connections on their own event loops: opened a batch at a time, started together, closed at the end.
struct LoadRun {
    let group: MultiThreadedEventLoopGroup
    let port: Int
    let tally = Tally()
    let progress = LoadProgress()
    private(set) var connections: [(channel: any Channel, handler: LoadConnection)] = []

    init(options: LoadOptions) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        port = options.port
    }

    /// Opens one connection per plan, `batch` at a time, and waits until all are ready.
    mutating func open(_ plans: [(token: String, plan: LoadPlan)], batch: Int = 100, seconds: Double = 120) async throws {
        for start in stride(from: 0, to: plans.count, by: batch) {
            let (port, tally, progress, group) = (port, tally, progress, group)
            try await withThrowingTaskGroup(of: (any Channel, LoadConnection).self) { tasks in
                for (token, plan) in plans[start..<min(start + batch, plans.count)] {
                    tasks.addTask { try await LoadConnection.connect(group: group, port: port, token: token, plan: plan, tally: tally, progress: progress) }
                }
                for try await connection in tasks { connections.append(connection) }
            }
        }
        try await wait(seconds: seconds, "connections did not get ready") { $0.ready.load(ordering: .relaxed) >= plans.count }
    }

    /// Starts the senders spread evenly over one interval between messages, as independent clients would be,
    /// rather than all at one instant.
    func startSending() {
        let start = monotonicMicroseconds() + 10_000
        let senders = connections.filter { $0.handler.plan.send != nil }
        for (index, (channel, handler)) in senders.enumerated() {
            let interval = 1_000_000 / handler.plan.send!.rate
            let phase = UInt64(interval * Double(index) / Double(senders.count))
            channel.eventLoop.execute { handler.startSending(start: start + phase) }
        }
    }

    /// Waits until `done` holds, polling every 50 ms; throws `message` after `seconds`.
    func wait(seconds: Double, _ message: String, until done: (LoadProgress) -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while !done(progress) {
            guard ContinuousClock.now < deadline else { throw LoadError(message) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func close() async throws {
        for (channel, _) in connections { try? await channel.close() }
        try await group.shutdownGracefully()
    }

    /// Prints what the senders were told by the server.
    func reportSenders() {
        print("acks: \(progress.acks.load(ordering: .relaxed)), error frames: \(progress.errors.load(ordering: .relaxed)), closed by the server: \(progress.closes.load(ordering: .relaxed))")
    }
}

/// One room, many subscribers, one publisher.
struct FanOut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fanout", abstract: "1 room, N subscribers, 1 publisher at a fixed rate.")
    @OptionGroup var options: LoadOptions
    @Option(help: "Subscribers.") var subscribers = 1000
    @Option(help: "Messages per second from the publisher.") var rate = 200.0

    func run() async throws {
        let gateway = Gateway(port: options.port)
        let room = "\(options.prefix)-fan"
        let names = (0...subscribers).map { "\(options.prefix)-u\($0)" }
        let tokens = try await gateway.users(names)
        _ = try await gateway.call("POST", "/api/v1/rooms", #"{"name":"\#(room)"}"#, token: tokens[0])
        for token in tokens.dropFirst() { _ = try await gateway.call("POST", "/api/v1/rooms/\(room)/join", nil, token: token) }
        let count = Int(rate * options.seconds)
        var run = LoadRun(options: options)
        let publisher = LoadPlan(subscribe: nil, send: (room, rate, count, "pub"))
        try await run.open([(tokens[0], publisher)] + tokens.dropFirst().map { ($0, LoadPlan(subscribe: (room, count), send: nil)) })
        print("\(subscribers) subscribers ready; sending \(count) messages at \(rate)/s")
        run.startSending()
        try? await run.wait(seconds: options.seconds + 30, "not every subscriber got every message") { $0.finished.load(ordering: .relaxed) >= subscribers }
        try await run.close()
        run.tally.report(seconds: options.seconds, serverPid: options.serverPid)
        run.reportSenders()
        if run.tally.deliveries != count * subscribers { print("expected \(count * subscribers) deliveries") }
    }
}

/// Many small rooms where every member sends.
struct ManyRooms: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rooms", abstract: "R rooms of M members, each member sending at a fixed rate.")
    @OptionGroup var options: LoadOptions
    @Option(help: "Rooms.") var rooms = 100
    @Option(help: "Members per room.") var members = 10
    @Option(help: "Messages per second per member.") var rate = 1.0

    func run() async throws {
        let gateway = Gateway(port: options.port)
        let names = (0..<(rooms * members)).map { "\(options.prefix)-m\($0)" }
        let tokens = try await gateway.users(names)
        for room in 0..<rooms {
            let name = "\(options.prefix)-r\(room)"
            _ = try await gateway.call("POST", "/api/v1/rooms", #"{"name":"\#(name)"}"#, token: tokens[room * members])
            for member in 1..<members { _ = try await gateway.call("POST", "/api/v1/rooms/\(name)/join", nil, token: tokens[room * members + member]) }
        }
        let perSender = Int(rate * options.seconds)
        let expected = perSender * members
        var run = LoadRun(options: options)
        try await run.open(tokens.enumerated().map { index, token in
            let room = "\(options.prefix)-r\(index / members)"
            return (token, LoadPlan(subscribe: (room, expected), send: (room, rate, perSender, "s\(index)")))
        })
        print("\(rooms * members) members ready; each sends \(perSender) messages at \(rate)/s")
        run.startSending()
        try? await run.wait(seconds: options.seconds + 30, "not every member got every message") { $0.finished.load(ordering: .relaxed) >= rooms * members }
        try await run.close()
        run.tally.report(seconds: options.seconds, serverPid: options.serverPid)
        run.reportSenders()
        if run.tally.deliveries != expected * rooms * members { print("expected \(expected * rooms * members) deliveries") }
    }
}

/// The server's resident memory in kilobytes, from /proc.
func residentKilobytes(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS") }
    return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
}

/// Many idle authenticated WebSockets (one session), to measure the gateway's memory per connection.
struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle", abstract: "Hold N idle WebSockets open and report the server's RSS per connection.")
    @OptionGroup var options: LoadOptions
    @Option(help: "Connections to open.") var connections = 10_000

    func run() async throws {
        guard let pid = options.serverPid, let before = residentKilobytes(pid) else { throw ValidationError("give --server-pid") }
        let token = try await Gateway(port: options.port).user("\(options.prefix)-idle")
        var run = LoadRun(options: options)
        try await run.open(Array(repeating: (token, LoadPlan()), count: connections), seconds: 300)
        try await Task.sleep(for: .seconds(2))
        let after = residentKilobytes(pid) ?? before
        print("\(connections) idle authenticated WebSockets: server RSS \(before) kB before, \(after) kB with them open = \(String(format: "%.1f", Double(after - before) / Double(connections))) kB per connection")
        try await run.close()
    }
}
