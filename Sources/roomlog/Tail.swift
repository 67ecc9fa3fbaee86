import ArgumentParser
import RoomlogCore
import RoomlogStore
import RoomlogTools

/// `roomlog tail`: log records as JSON lines, optionally filtered, optionally following new ones.
struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print log records as JSON lines from --from SEQ (default: the last 10 matching); --follow waits for new ones.")

    /// Events read per snapshot.
    static let batchEventsMax = 4096
    /// How long one wait for new events may last before SIGINT is looked at, in milliseconds.
    static let waitMilliseconds = 100

    @OptionGroup var options: DataOptions
    @Option(help: "Start at this seq (inclusive).") var from: UInt64?
    @Option(help: "Only events of this room.") var room: String?
    @Option(help: "Only events of this type (\(EventType.allCases.map(\.rawValue).joined(separator: ", "))).") var type: String?
    @Flag(help: "Keep printing new events as they are appended (until SIGINT).") var follow = false

    func validate() throws {
        if let type, EventType(rawValue: type) == nil { throw ValidationError("unknown --type \(type)") }
    }

    func matches(_ event: Event) -> Bool {
        (room == nil || event.room == room) && (type == nil || event.type.rawValue == type)
    }

    func run() throws {
        let store = try options.openExisting()
        if let room, !follow, try store.room(named: room) == nil { throw ToolError("no room named \(room)") }
        catchInterruption()
        let output = LineOutput()
        var generation = try store.waitForAppend(after: nil, milliseconds: 0)
        var next = try from ?? startOfLastTen(store)
        do {
            while !interrupted {
                let batch = try store.events(from: next, limit: Self.batchEventsMax)
                for event in batch where matches(event) { try output.line(event.jsonRecord) }
                if let last = batch.last { next = last.seq + 1 }
                if batch.count == Self.batchEventsMax { continue }
                try output.flush()
                guard follow, !output.readerIsGone else { return }
                generation = try store.waitForAppend(after: generation, milliseconds: Self.waitMilliseconds)
            }
            try output.flush()
        } catch is LineOutput.Closed {
            return
        }
    }

    /// The seq of the 10th-last matching event (or the head + 1 when none match).
    func startOfLastTen(_ store: Store) throws -> UInt64 {
        var start = try store.head() + 1
        var found = 0
        try store.readEventsBackward(from: start - 1) { event in
            if matches(event) {
                start = event.seq
                found += 1
            }
            return found < 10
        }
        return start
    }
}
