import ArgumentParser
import RoomlogCore
import RoomlogStore
import RoomlogTools

/// `roomlog replay ROOM`: a room's history in order, readable or as JSON lines.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a room's history in order: `[roomSeq] time user: body`, or JSON lines.")

    /// Events read per snapshot.
    static let pageEventsMax = 4096

    @Argument(help: "The room.") var room: String
    @OptionGroup var options: DataOptions
    @Option(help: "Start after this roomSeq.") var after: UInt64 = 0
    @Option(help: "Print at most this many events.") var limit: Int?
    @Flag(help: "Print event records as JSON lines.") var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try options.openExisting()
        let output = LineOutput()
        var position = after
        var remaining = limit ?? Int.max
        while remaining > 0 {
            guard let page = try store.roomEvents(room, after: position, limit: min(remaining, Self.pageEventsMax)) else {
                throw ToolError("no room named \(room)")
            }
            do {
                for event in page.events { try output.line(json ? event.jsonRecord : event.replayLine) }
                try output.flush()
            } catch is LineOutput.Closed {
                return
            }
            guard let last = page.events.last else { break }
            position = last.roomSeq
            remaining -= page.events.count
        }
    }
}
