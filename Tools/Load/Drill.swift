import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Rooms of resuming clients while an operator (Tools/failover-drill.sh) causes faults: it reads `fault NAME` and
/// `stop` lines on standard input, and prints per fault how long the clients it cut off took to come back, the
/// messages written, acknowledged and delivered, and any loss, repeat or gap.
struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Resuming clients in R rooms of M members through a proxy; `fault NAME` on standard input starts a phase, `stop` (or the end of input) ends the run and prints each phase's figures. Exit 1 if anything was lost, repeated or out of order, or a client did not come back.")
    @Option(help: "The proxy's (or gateway's) address.") var host = "127.0.0.1"
    @Option(help: "Its port.") var port = 8080
    @Option(help: "Rooms.") var rooms = 10
    @Option(help: "Members per room; each subscribes and sends.") var members = 5
    @Option(help: "Messages per second per member.") var rate = 2.0
    @Option(help: "Event loop threads.") var threads = 1
    @Option(help: "Seconds the run may last at most, whatever standard input says.") var seconds = 600.0
    @Option(help: "Seconds to wait, after stop, for every message to be acknowledged and delivered.") var drainSeconds = 30.0
    @Option(help: "A prefix for user and room names, so runs do not collide.") var prefix = "drill\(Int.random(in: 1000...9999))"

    func run() async throws {
        let gateway = Gateway(host: host, port: port)
        let tokens = try await gateway.users((0..<(rooms * members)).map { "\(prefix)-m\($0)" })
        for room in 0..<rooms {
            _ = try await gateway.call("POST", "/api/v1/rooms", #"{"name":"\#(prefix)-r\#(room)"}"#, token: tokens[room * members])
            for member in 1..<members { _ = try await gateway.call("POST", "/api/v1/rooms/\(prefix)-r\(room)/join", nil, token: tokens[room * members + member]) }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let ledger = DrillLedger()
        let clients = tokens.enumerated().map { index, token in
            ResumingClient(loop: group.next(), host: host, port: port, token: token, room: "\(prefix)-r\(index / members)",
                           name: "c\(index)", rate: rate, ledger: ledger)
        }
        for client in clients { client.start() }
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !clients.allSubscribed() {
            guard ContinuousClock.now < deadline else { throw LoadError("the clients did not all subscribe within 60 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let start = monotonicMicroseconds()
        ledger.startPhase("steady", at: start)
        for (index, client) in clients.enumerated() { client.startSending(start: start + UInt64(1_000_000 / rate * Double(index) / Double(clients.count))) }
        say("ready: \(clients.count) clients in \(rooms) rooms, each sending \(rate)/s through \(host):\(port)")

        for await line in Self.standardInputLines(until: ContinuousClock.now + .milliseconds(Int64(seconds * 1000))) {
            if line == "stop" { break }
            guard line.hasPrefix("fault ") else { continue }
            ledger.startPhase(String(line.dropFirst(6)), at: monotonicMicroseconds())
            say("phase: \(line.dropFirst(6))")
        }
        for client in clients { client.stopSending() }
        let drained = ContinuousClock.now + .milliseconds(Int64(drainSeconds * 1000))
        var states = try await clients.states()
        while ContinuousClock.now < drained, !ledger.complete(states, rooms: clients.map(\.room)) {
            try await Task.sleep(for: .milliseconds(100))
            states = try await clients.states()
        }
        for (client, state) in zip(clients, states) { ledger.settle(room: client.room, received: state.received, pending: state.pending) }
        for client in clients { try? await client.close().get() }
        try await group.shutdownGracefully()
        let clean = ledger.report(members: members)
        if !clean { throw ExitCode(1) }
    }

    /// A line on standard output at once (the drill script waits for them).
    func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Lines of standard input (read on a thread of their own), ending at `until` or the end of input.
    static func standardInputLines(until: ContinuousClock.Instant) -> AsyncStream<String> {
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        Thread {
            while let line = readLine() { continuation.yield(line.trimmingCharacters(in: .whitespaces)) }
            continuation.finish()
        }.start()
        Task {
            try? await Task.sleep(until: until)
            continuation.finish()
        }
        return lines
    }
}

extension [ResumingClient] {
    func states() async throws -> [(pending: Int, subscribed: Bool, received: Set<String>)] {
        var states: [(pending: Int, subscribed: Bool, received: Set<String>)] = []
        for client in self { states.append(try await client.state().get()) }
        return states
    }

    func allSubscribed() async throws -> Bool {
        try await states().allSatisfy(\.subscribed)
    }
}

/// What the drill's clients saw, by phase: a message belongs to the phase in which its user wrote it, a dropped
/// connection to the phase in which it dropped.
final class DrillLedger: Sendable {
    struct Phase {
        let name: String
        let start: UInt64
        var written = 0, acked = 0, delivered = 0, lost = 0, unacked = 0, gaps = 0, repeats = 0, errors = 0
        var dropped = 0
        /// For each dropped client that came back: µs from the phase's start, and from its own drop.
        var backFromFault: [UInt64] = [], backFromDrop: [UInt64] = []
        var largestDelay: UInt64 = 0
    }

    private struct State {
        var phases: [Phase] = []
        /// Acknowledged message ids by room, with when their user wrote them.
        var acked: [String: [String: UInt64]] = [:]
        var firstError: String?

        func phase(at time: UInt64) -> Int { phases.lastIndex { $0.start <= time } ?? 0 }
    }

    private let state: Mutex<State>

    /// Starts with a phase named "connect", until the first `startPhase`.
    init() {
        state = Mutex(State(phases: [Phase(name: "connect", start: monotonicMicroseconds())]))
    }

    func startPhase(_ name: String, at time: UInt64) { state.withLock { $0.phases.append(Phase(name: name, start: time)) } }

    func written(at time: UInt64) { state.withLock { $0.phases[$0.phase(at: time)].written += 1 } }

    func acked(room: String, id: String, written: UInt64) {
        state.withLock {
            guard $0.acked[room, default: [:]].updateValue(written, forKey: id) == nil else { return }
            $0.phases[$0.phase(at: written)].acked += 1
        }
    }

    func delivered(written: UInt64, at time: UInt64) {
        state.withLock {
            let index = $0.phase(at: written)
            $0.phases[index].delivered += 1
            $0.phases[index].largestDelay = Swift.max($0.phases[index].largestDelay, time &- written)
        }
    }

    func dropped() { state.withLock { $0.phases[$0.phase(at: monotonicMicroseconds())].dropped += 1 } }

    func back(droppedAt: UInt64, at time: UInt64) {
        state.withLock {
            let index = $0.phase(at: droppedAt)
            $0.phases[index].backFromFault.append(time - $0.phases[index].start)
            $0.phases[index].backFromDrop.append(time - droppedAt)
        }
    }

    func fault(gap: Bool) {
        state.withLock {
            let index = $0.phase(at: monotonicMicroseconds())
            if gap { $0.phases[index].gaps += 1 } else { $0.phases[index].repeats += 1 }
        }
    }

    func error(_ frame: String) {
        state.withLock {
            $0.phases[$0.phase(at: monotonicMicroseconds())].errors += 1
            if $0.firstError == nil { $0.firstError = frame }
        }
    }

    /// Whether every client is subscribed, has nothing waiting for an ack, and holds every acknowledged message of
    /// its room.
    func complete(_ states: [(pending: Int, subscribed: Bool, received: Set<String>)], rooms: [String]) -> Bool {
        state.withLock { state in
            zip(states, rooms).allSatisfy { client, room in
                client.subscribed && client.pending == 0 && (state.acked[room] ?? [:]).keys.allSatisfy(client.received.contains)
            }
        }
    }

    /// Counts, for one client at the end, the acknowledged messages of its room it never got, and its own unacknowledged ones.
    func settle(room: String, received: Set<String>, pending: Int) {
        state.withLock {
            for (id, written) in $0.acked[room] ?? [:] where !received.contains(id) { $0.phases[$0.phase(at: written)].lost += 1 }
            $0.phases[$0.phases.count - 1].unacked += pending
        }
    }

    /// Prints a table, one row per phase, and one `result` line per phase for scripts; true when nothing was lost,
    /// repeated or out of order and every dropped client came back.
    func report(members: Int) -> Bool {
        state.withLock { state in
            func seconds(_ values: [UInt64], _ percentile: Double) -> String {
                guard !values.isEmpty else { return "-" }
                let sorted = values.sorted()
                return String(format: "%.2f", Double(sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * percentile / 100))]) / 1_000_000)
            }
            print("phase | dropped (back) | back s from the fault p50/p99/max | back s from the drop p99 | written | acked | delivered/expected | lost | unacked | repeats | gaps | largest delay ms | errors")
            var clean = true
            for phase in state.phases {
                let back = phase.backFromFault.count
                print("\(phase.name) | \(phase.dropped) (\(back)) | \(seconds(phase.backFromFault, 50))/\(seconds(phase.backFromFault, 99))/\(seconds(phase.backFromFault, 100)) | "
                      + "\(seconds(phase.backFromDrop, 99)) | \(phase.written) | \(phase.acked) | \(phase.delivered)/\(phase.acked * members) | \(phase.lost) | \(phase.unacked) | "
                      + "\(phase.repeats) | \(phase.gaps) | \(String(format: "%.1f", Double(phase.largestDelay) / 1000)) | \(phase.errors)")
                print(["result", phase.name, "\(phase.dropped)", "\(back)", seconds(phase.backFromFault, 99), seconds(phase.backFromFault, 100),
                       "\(phase.written)", "\(phase.acked)", "\(phase.delivered)", "\(phase.lost)", "\(phase.unacked)", "\(phase.repeats)", "\(phase.gaps)",
                       String(format: "%.1f", Double(phase.largestDelay) / 1000)].joined(separator: "\t"))
                clean = clean && back == phase.dropped && phase.lost == 0 && phase.unacked == 0 && phase.repeats == 0 && phase.gaps == 0
                    && phase.written == phase.acked
            }
            if let error = state.firstError { print("first error frame: \(error)") }
            return clean
        }
    }
}
