import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Histogram
import Logging
import NIOCore
import WSClient

/// A load generator for a running gateway: it checks every delivery for loss, repeats and order, and prints
/// deliveries/s, latency percentiles, and the server's peak RSS.
@main
struct RoomlogLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roomlog-load",
        abstract: "Load a running Roomlog gateway over WebSockets (run it with --bcrypt-cost 4 --login-attempts-per-minute 100000 --allowed-origin ws://127.0.0.1 and a high --sends-per-second; the WebSocket client library sends Origin ws://HOST).",
        subcommands: [FanOut.self, ManyRooms.self, Idle.self])
}

struct LoadOptions: ParsableArguments {
    @Option(help: "The gateway's port on 127.0.0.1.") var port = 8080
    @Option(help: "The gateway's pid, to report its peak RSS.") var serverPid: Int32?
    @Option(help: "Seconds of sending.") var seconds = 10.0
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

/// Runs `body` on one WebSocket to the gateway, authenticated with `token`.
func connect(port: Int, token: String, _ body: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void) async throws {
    var logger = Logger(label: "roomlog-load")
    logger.logLevel = .error
    _ = try await WebSocketClient.connect(
        url: "ws://127.0.0.1:\(port)/api/v1/ws",
        configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]), logger: logger
    ) { inbound, outbound, _ in try await body(inbound, outbound) }
}

/// A subscriber: connects, subscribes to `room`, and checks each event until `expected` arrived or `deadline`.
func subscriber(port: Int, token: String, room: String, expected: Int, tally: Tally, ready: @escaping @Sendable () -> Void, deadline: Date) async throws {
    try await connect(port: port, token: token) { inbound, outbound in
        try await outbound.write(.text(#"{"type":"subscribe","room":"\#(room)"}"#))
        var last: Int?
        var received = 0
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message else { continue }
            if text.hasPrefix(#"{"type":"subscribed""#) { ready(); continue }
            guard text.hasPrefix(#"{"type":"event""#), let frame = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let event = frame["event"] as? [String: Any], let roomSeq = event["roomSeq"] as? Int, let body = event["body"] as? String
            else { continue }
            if let last, roomSeq != last + 1 { tally.fault(gap: roomSeq > last + 1) }
            last = roomSeq
            if let sent = UInt64(body.split(separator: " ").first ?? "") { tally.record(latencyMicroseconds: monotonicMicroseconds() &- sent) }
            received += 1
            if received >= expected || Date() > deadline { break }
        }
        try await outbound.close(.normalClosure, reason: nil)
    }
}

/// A sender at `rate` messages per second into `room` for `seconds`; bodies carry the send time.
func sender(port: Int, token: String, room: String, rate: Double, count: Int, name: String) async throws {
    try await connect(port: port, token: token) { inbound, outbound in
        let start = ContinuousClock.now
        let acks = Task { for try await _ in inbound.messages(maxSize: 1 << 20) {} }
        for index in 0..<count {
            try await Task.sleep(until: start + .microseconds(Int64(Double(index) * 1_000_000 / rate)), clock: .continuous)
            try await outbound.write(.text(#"{"type":"send","room":"\#(room)","body":"\#(monotonicMicroseconds()) \#(name) \#(index)","id":"\#(name)-\#(index)"}"#))
        }
        try await Task.sleep(for: .seconds(1))
        acks.cancel()
        try await outbound.close(.normalClosure, reason: nil)
    }
}

/// Counts subscribers that are ready.
final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    init(_ count: Int) { remaining = count }
    func done() { lock.withLock { remaining -= 1 } }
    var finished: Bool { lock.withLock { remaining <= 0 } }

    /// Waits until every subscriber is ready; throws after `seconds` (a refused connection never gets ready).
    func wait(seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !finished {
            guard Date() < deadline else { throw ValidationError("subscribers did not get ready (is the gateway running with --allowed-origin ws://127.0.0.1?)") }
            try await Task.sleep(for: .milliseconds(50))
        }
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
        let tally = Tally()
        let ready = Countdown(subscribers)
        let deadline = Date().addingTimeInterval(options.seconds + 30)
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for token in tokens.dropFirst() {
                group.addTask { try await subscriber(port: options.port, token: token, room: room, expected: count, tally: tally, ready: ready.done, deadline: deadline) }
            }
            try await ready.wait(seconds: 120)
            print("\(subscribers) subscribers ready; sending \(count) messages at \(rate)/s")
            group.addTask { try await sender(port: options.port, token: tokens[0], room: room, rate: rate, count: count, name: "pub") }
            try await group.waitForAll()
        }
        _ = started
        tally.report(seconds: options.seconds, serverPid: options.serverPid)
        if tally.deliveries != count * subscribers { print("expected \(count * subscribers) deliveries") }
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
        let tally = Tally()
        let ready = Countdown(rooms * members)
        let deadline = Date().addingTimeInterval(options.seconds + 30)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<(rooms * members) {
                let room = "\(options.prefix)-r\(index / members)"
                group.addTask { try await subscriber(port: options.port, token: tokens[index], room: room, expected: expected, tally: tally, ready: ready.done, deadline: deadline) }
            }
            try await ready.wait(seconds: 120)
            print("\(rooms * members) members ready; each sends \(perSender) messages at \(rate)/s")
            for index in 0..<(rooms * members) {
                let room = "\(options.prefix)-r\(index / members)"
                group.addTask { try await sender(port: options.port, token: tokens[index], room: room, rate: rate, count: perSender, name: "s\(index)") }
            }
            try await group.waitForAll()
        }
        tally.report(seconds: options.seconds, serverPid: options.serverPid)
        if tally.deliveries != expected * rooms * members { print("expected \(expected * rooms * members) deliveries") }
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
        let ready = Countdown(connections)
        let release = Countdown(1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    try await connect(port: options.port, token: token) { inbound, outbound in
                        var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                        _ = try await messages.next()  // hello
                        ready.done()
                        while !release.finished { try await Task.sleep(for: .milliseconds(200)) }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                }
            }
            try await ready.wait(seconds: 300)
            try await Task.sleep(for: .seconds(2))
            let after = residentKilobytes(pid) ?? before
            print("\(connections) idle authenticated WebSockets: server RSS \(before) kB before, \(after) kB with them open = \(String(format: "%.1f", Double(after - before) / Double(connections))) kB per connection")
            release.done()
            try await group.waitForAll()
        }
    }
}
