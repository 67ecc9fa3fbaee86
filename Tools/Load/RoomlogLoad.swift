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
        subcommands: [FanOut.self, ManyRooms.self, Hostile.self, Idle.self, Drill.self])
}

struct LoadOptions: ParsableArguments {
    @Option(help: "The gateway's port on 127.0.0.1.") var port = 8080
    @Option(help: "Comma-separated ports of other hosts of the same cluster: subscribers are spread over them (senders stay on --port), so deliveries cross hosts.")
    var subscriberPorts = ""
    @Option(help: "The gateway's pid, to report its peak RSS.") var serverPid: Int32?
    @Option(help: "Seconds of sending.") var seconds = 10.0
    @Option(help: "Event loop threads of the generator.") var threads = 1
    @Option(help: "A prefix for user and room names, so runs do not collide.") var prefix = "load\(Int.random(in: 1000...9999))"
    @Flag(inversion: .prefixedNo, help: "Ask for batched event frames (/api/v1/ws?batch=1, version 1.2).") var batch = true
    @Flag(help: "Load a NATS server's WebSocket port (--port) instead, with the same shape: a room is a subject, a message a PUB.")
    var nats = false
}

extension LoadOptions {
    /// The ports subscribers use, in turn: the other hosts when given, else this one.
    var subscriberPortList: [Int] {
        let ports = subscriberPorts.split(separator: ",").compactMap { Int($0) }
        return ports.isEmpty ? [port] : ports
    }
}

/// Plain HTTP to the gateway.
struct Gateway: Sendable {
    var host = "127.0.0.1"
    let port: Int

    /// One request; the status and the JSON body. `forwardedFor` is sent as `X-Forwarded-For` (for a gateway that
    /// trusts 127.0.0.1 as a proxy, the client address the request counts against).
    func request(_ method: String, _ path: String, _ body: String?, token: String? = nil, forwardedFor: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://\(host):\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let forwardedFor { request.setValue(forwardedFor, forHTTPHeaderField: "X-Forwarded-For") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    func call(_ method: String, _ path: String, _ body: String?, token: String? = nil) async throws -> [String: Any] {
        try await request(method, path, body, token: token).1
    }

    /// Registers and logs in `name` (from `address`, when the gateway trusts this host as a proxy); returns its token.
    func user(_ name: String, address: String? = nil) async throws -> String {
        _ = try await request("POST", "/api/v1/register", #"{"name":"\#(name)","password":"load-password"}"#, forwardedFor: address)
        let login = try await request("POST", "/api/v1/login", #"{"name":"\#(name)","password":"load-password"}"#, forwardedFor: address)
        guard let token = login.1["token"] as? String else {
            throw ValidationError("login of \(name) failed: \(login) (run the gateway with --login-attempts-per-minute and --registrations-per-minute 100000, or --trusted-proxy 127.0.0.1)")
        }
        return token
    }

    /// Tokens for `count` users, made `lanes` at a time; with `spreadAddresses`, each from an address of its own
    /// (10.x.y.z, numbered from `firstAddress`).
    func users(_ names: [String], lanes: Int = 16, spreadAddresses: Bool = false, firstAddress: Int = 0) async throws -> [String] {
        var tokens = [String](repeating: "", count: names.count)
        @Sendable func make(_ index: Int) async throws -> (Int, String) {
            let number = firstAddress + index
            return (index, try await user(names[index], address: spreadAddresses ? "10.\(number >> 16 & 255).\(number >> 8 & 255).\(number & 255)" : nil))
        }
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            while next < min(lanes, names.count) { let i = next; group.addTask { try await make(i) }; next += 1 }
            while let (index, token) = try await group.next() {
                tokens[index] = token
                if next < names.count { let i = next; group.addTask { try await make(i) }; next += 1 }
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
    /// Whether connections ask for batched event frames, and whether the server is NATS.
    let batchFrames: Bool
    let nats: Bool
    let tally = Tally()
    let progress = LoadProgress()
    private(set) var connections: [(channel: any Channel, handler: any LoadClient)] = []

    init(options: LoadOptions) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        port = options.port
        batchFrames = options.batch
        nats = options.nats
    }

    /// Opens one connection per plan, `batch` at a time, and waits until all are ready.
    mutating func open(_ plans: [(token: String, plan: LoadPlan)], batch: Int = 100, seconds: Double = 120) async throws {
        for start in stride(from: 0, to: plans.count, by: batch) {
            let (port, batchFrames, nats, tally, progress, group) = (port, batchFrames, nats, tally, progress, group)
            try await withThrowingTaskGroup(of: (any Channel, any LoadClient).self) { tasks in
                for (token, plan) in plans[start..<min(start + batch, plans.count)] {
                    tasks.addTask {
                        if nats {
                            return try await WebSocketDial.open(group: group, port: plan.port ?? port, token: "", path: "/") {
                                NATSConnection(plan: plan, tally: tally, progress: progress)
                            }
                        }
                        return try await LoadConnection.connect(group: group, port: plan.port ?? port, token: token, batch: batchFrames, plan: plan,
                                                                tally: tally, progress: progress)
                    }
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
        let room = "\(options.prefix)-fan"
        var tokens = [String](repeating: "", count: subscribers + 1)
        if !options.nats {
            let gateway = Gateway(port: options.port)
            tokens = try await gateway.users((0...subscribers).map { "\(options.prefix)-u\($0)" })
            _ = try await gateway.call("POST", "/api/v1/rooms", #"{"name":"\#(room)"}"#, token: tokens[0])
            for token in tokens.dropFirst() { _ = try await gateway.call("POST", "/api/v1/rooms/\(room)/join", nil, token: token) }
        }
        let count = Int(rate * options.seconds)
        var run = LoadRun(options: options)
        let publisher = LoadPlan(subscribe: nil, send: (room, rate, count, "pub"))
        let ports = options.subscriberPortList
        try await run.open([(tokens[0], publisher)] + tokens.dropFirst().enumerated().map { index, token in
            (token, LoadPlan(subscribe: (room, count), send: nil, port: ports[index % ports.count]))
        })
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
    @OptionGroup var shape: RoomsShape

    func run() async throws {
        var run = try await shape.prepare(options: options, spreadAddresses: false)
        run.startSending()
        try await shape.finish(&run, options: options)
    }
}

/// The shape of the many-rooms load.
struct RoomsShape: ParsableArguments {
    @Option(help: "Rooms.") var rooms = 100
    @Option(help: "Members per room.") var members = 10
    @Option(help: "Messages per second per member.") var rate = 1.0

    /// Users, rooms and ready connections for the load; with `spreadAddresses`, each user registers and logs in from
    /// an address of its own (for a gateway with its default limits that trusts this host as a proxy).
    func prepare(options: LoadOptions, spreadAddresses: Bool) async throws -> LoadRun {
        var tokens = [String](repeating: "", count: rooms * members)
        if !options.nats {
            let gateway = Gateway(port: options.port)
            tokens = try await gateway.users((0..<(rooms * members)).map { "\(options.prefix)-m\($0)" }, spreadAddresses: spreadAddresses)
            for room in 0..<rooms {
                let name = "\(options.prefix)-r\(room)"
                _ = try await gateway.call("POST", "/api/v1/rooms", #"{"name":"\#(name)"}"#, token: tokens[room * members])
                for member in 1..<members { _ = try await gateway.call("POST", "/api/v1/rooms/\(name)/join", nil, token: tokens[room * members + member]) }
            }
        }
        let perSender = Int(rate * options.seconds)
        var run = LoadRun(options: options)
        let crossing = !options.subscriberPorts.isEmpty
        let ports = options.subscriberPortList
        try await run.open(tokens.enumerated().flatMap { index, token in
            let room = "\(options.prefix)-r\(index / members)"
            let subscribe = (room: room, expected: perSender * members), send = (room: room, rate: rate, count: perSender, name: "s\(index)")
            guard crossing else { return [(token, LoadPlan(subscribe: subscribe, send: send))] }
            return [(token, LoadPlan(subscribe: nil, send: send)), (token, LoadPlan(subscribe: subscribe, send: nil, port: ports[index % ports.count]))]
        })
        print("\(rooms * members) members ready; each sends \(perSender) messages at \(rate)/s")
        return run
    }

    /// Waits for every delivery (or 30 s past the sending), closes the run and prints its figures.
    func finish(_ run: inout LoadRun, options: LoadOptions) async throws {
        let expected = Int(rate * options.seconds) * members
        try? await run.wait(seconds: options.seconds + 30, "not every member got every message") { $0.finished.load(ordering: .relaxed) >= rooms * members }
        try await run.close()
        run.tally.report(seconds: options.seconds, serverPid: options.serverPid)
        run.reportSenders()
        if run.tally.deliveries != expected * rooms * members { print("expected \(expected * rooms * members) deliveries") }
    }
}

/// The many-rooms load while attackers, at once, flood `join ""` frames, stream frames without reading, toggle
/// join and leave, hold silent TCP connections, and flood logins with 60 KB names from one address. For a gateway
/// with its default limits that trusts this host as a proxy (`--trusted-proxy 127.0.0.1`): every honest user comes
/// from an address of its own.
struct Hostile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hostile", abstract: "The many-rooms load while five kinds of attacker run (gateway with default limits and --trusted-proxy 127.0.0.1).")
    @OptionGroup var options: LoadOptions
    @OptionGroup var shape: RoomsShape
    @Option(help: "Silent TCP connections to hold open.") var silentConnections = 500
    @Option(help: "Frames each attacking WebSocket writes per millisecond.") var framesPerMillisecond = 20
    @Option(help: "Bytes of each name in the login flood.") var loginNameBytes = 60_000
    @Flag(help: "Run the honest load alone, set up the same way: the baseline.") var withoutAttackers = false

    func run() async throws {
        var run = try await shape.prepare(options: options, spreadAddresses: true)
        guard !withoutAttackers else {
            run.startSending()
            return try await shape.finish(&run, options: options)
        }
        let gateway = Gateway(port: options.port)
        let names = ["flooder", "mute", "toggler"].map { "\(options.prefix)-\($0)" }
        let tokens = try await gateway.users(names, spreadAddresses: true, firstAddress: 1 << 20)
        let toggled = "\(options.prefix)-toggled"
        _ = try await gateway.call("POST", "/api/v1/rooms", #"{"name":"\#(toggled)"}"#, token: tokens[2])
        let until = monotonicMicroseconds() + UInt64(options.seconds * 1_000_000)
        let attacks = [
            ([#"{"type":"join","room":""}"#], true), ([#"{}"#], false),
            ([#"{"type":"leave","room":"\#(toggled)"}"#, #"{"type":"join","room":"\#(toggled)"}"#], true),
        ]
        var attackers: [AttackConnection] = []
        for (token, (frames, reading)) in zip(tokens, attacks) {
            let (perMillisecond, group) = (framesPerMillisecond, run.group)
            attackers.append(try await WebSocketDial.open(group: group, port: options.port, token: token) {
                AttackConnection(frames: frames, framesPerMillisecond: perMillisecond, reading: reading, until: until)
            }.1)
        }
        let silent = try await SilentConnections.open(silentConnections, group: run.group, port: options.port)
        print("attackers ready: join-\"\" flooder, non-reading sender, join/leave toggler, \(silentConnections) silent TCP connections, login flood")
        run.startSending()
        let logins = Task { await LoginFlood.run(gateway, nameBytes: loginNameBytes, until: until) }
        try? await run.wait(seconds: options.seconds + 30, "not every member got every message") { $0.finished.load(ordering: .relaxed) >= shape.rooms * shape.members }
        let loginStatuses = await logins.value
        // Read before this side closes its connections: what the server closed by now.
        let silentClosed = silent.closed.load(ordering: .relaxed)
        let attackerLines = zip(["join \"\" flooder", "non-reading sender", "join/leave toggler"], attackers).map { name, attacker in
            let closed = attacker.closedAfterMicroseconds.load(ordering: .relaxed)
            return "\(name): \(attacker.written.load(ordering: .relaxed)) frames written, error frames \(attacker.errors.withLock { $0 }), "
                + (closed >= 0 ? String(format: "closed by the server after %.1f s", Double(closed) / 1_000_000) : "still open")
        }
        try await run.close()
        run.tally.report(seconds: options.seconds, serverPid: options.serverPid)
        run.reportSenders()
        let expected = Int(shape.rate * options.seconds) * shape.members * shape.rooms * shape.members
        if run.tally.deliveries != expected { print("expected \(expected) deliveries") }
        for line in attackerLines { print(line) }
        print("silent TCP connections closed by the server: \(silentClosed) of \(silentConnections)")
        print("login flood (one address, \(loginNameBytes)-byte names): statuses \(loginStatuses.sorted { $0.key < $1.key })")
    }
}

/// Plain TCP connections that send nothing.
final class SilentConnections: Sendable {
    let closed = Atomic<Int>(0)

    static func open(_ count: Int, group: any EventLoopGroup, port: Int) async throws -> SilentConnections {
        let connections = SilentConnections()
        for _ in 0..<count {
            let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
            channel.closeFuture.whenComplete { _ in connections.closed.add(1, ordering: .relaxed) }
        }
        return connections
    }
}

/// Logins with junk names from one address, as fast as the gateway answers, until `until`.
enum LoginFlood {
    static func run(_ gateway: Gateway, nameBytes: Int, until: UInt64) async -> [Int: Int] {
        var statuses: [Int: Int] = [:]
        let name = String(repeating: "n", count: nameBytes)
        var index = 0
        while monotonicMicroseconds() < until {
            let status = (try? await gateway.request("POST", "/api/v1/login", #"{"name":"\#(name)\#(index)","password":"guess"}"#, forwardedFor: "192.0.2.1").0) ?? -1
            statuses[status, default: 0] += 1
            index += 1
        }
        return statuses
    }
}

/// The server's resident memory in kilobytes, from /proc.
func residentKilobytes(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS") }
    return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
}

/// Many idle authenticated WebSockets (one session), to measure the gateways' memory per connection: spread over
/// several gateways (`--subscriber-ports`, else `--port`) and several loopback source addresses (one address pair
/// runs out of ephemeral ports near 28,000).
struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle", abstract: "Hold N idle WebSockets open and report the servers' RSS per connection.")
    @OptionGroup var options: LoadOptions
    @Option(help: "Connections to open.") var connections = 10_000
    @Option(help: "Comma-separated pids of the gateways (with --subscriber-ports), else --server-pid.") var serverPids = ""
    @Option(help: "Loopback source addresses to spread the connections over (127.0.0.1, 127.0.0.2, ...).") var sourceAddresses = 1
    @Option(help: "Seconds to hold the connections open after the figures (say 'holding' first), for a load beside them.") var holdSeconds = 0.0

    func run() async throws {
        let pids = serverPids.split(separator: ",").compactMap { Int32($0) } + (options.serverPid.map { [$0] } ?? [])
        guard !pids.isEmpty else { throw ValidationError("give --server-pid or --server-pids") }
        let before = pids.compactMap(residentKilobytes).reduce(0, +)
        raiseFileLimit(to: connections + 1024)
        let token = try await Gateway(port: options.port).user("\(options.prefix)-idle")
        let ports = options.subscriberPortList
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let progress = LoadProgress(), tally = Tally()
        let started = ContinuousClock.now
        var channels: [any Channel] = []
        channels.reserveCapacity(connections)
        for batch in stride(from: 0, to: connections, by: 200) {
            try await withThrowingTaskGroup(of: (any Channel).self) { tasks in
                for index in batch..<min(batch + 200, connections) {
                    tasks.addTask {
                        try await WebSocketDial.open(group: group, port: ports[index % ports.count], token: token,
                                                     source: sourceAddresses > 1 ? "127.0.0.\(1 + index / ports.count % sourceAddresses)" : nil) {
                            LoadConnection(plan: LoadPlan(), tally: tally, progress: progress)
                        }.0
                    }
                }
                for try await channel in tasks { channels.append(channel) }
            }
        }
        while progress.ready.load(ordering: .relaxed) < connections, ContinuousClock.now - started < .seconds(600) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let connected = ContinuousClock.now - started
        try await Task.sleep(for: .seconds(2))
        let after = pids.compactMap(residentKilobytes).reduce(0, +)
        print("\(progress.ready.load(ordering: .relaxed)) of \(connections) idle authenticated WebSockets greeted in \(String(format: "%.1f", Double(connected.components.seconds) + Double(connected.components.attoseconds) / 1e18)) s over \(ports.count) gateway(s) "
              + "and \(sourceAddresses) source address(es); closed by the servers: \(progress.closes.load(ordering: .relaxed))")
        print("server RSS \(before) kB before, \(after) kB with them open = \(String(format: "%.2f", Double(after - before) / Double(connections))) kB per connection")
        if holdSeconds > 0 {
            fflush(nil)  // the figures before the line a script waits for
            FileHandle.standardOutput.write(Data("holding\n".utf8))
            try await Task.sleep(for: .milliseconds(Int64(holdSeconds * 1000)))
            print("still open after holding: \(channels.filter(\.isActive).count)")
        }
        for channel in channels { try? await channel.close() }
        try await group.shutdownGracefully()
    }

    /// Raises this process's open-file limit to `files`, or to the hard limit when it cannot go past it.
    func raiseFileLimit(to files: Int) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        var wanted = rlimit(rlim_cur: rlim_t(files), rlim_max: max(limit.rlim_max, rlim_t(files)))
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &wanted) != 0 {
            wanted = rlimit(rlim_cur: min(rlim_t(files), limit.rlim_max), rlim_max: limit.rlim_max)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &wanted)
            if wanted.rlim_cur < rlim_t(files) { print("the open-file limit stops at \(wanted.rlim_cur), below \(files)") }
        }
    }
}
