import ArgumentParser
import RoomlogCore
import RoomlogStore

/// Joins (creating if needed) `room` as `user`, registering the user if needed.
func enter(_ writer: LogWriter, user: String, room: String) async throws {
    do { _ = try await writer.append(.register(user: user, passwordHash: "not-a-real-hash")) } catch RoomlogError.nameTaken {}
    do { _ = try await writer.append(.createRoom(user: user, room: room, topic: "")) } catch RoomlogError.roomExists {}
    _ = try await writer.append(.join(user: user, room: room))
}

/// Test helper: posts messages one after another, printing `ack SEQ ROOMSEQ N` as each becomes durable.
struct AppendChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append", abstract: "Post messages and print each ack (test helper).")

    @Option(help: "The data directory.") var data: String
    @Option(help: "The posting user.") var user: String
    @Option(help: "The room.") var room = "shared"
    @Option(help: "How many messages; 0 posts until killed.") var count = 100
    @Option(help: "Recent client ids kept apart before merging (half of them per merge); the default if not given.") var clientIdsRecentMax: Int?
    @Option(help: "The number of the first message (its client id is USER-N).") var from = 0
    @Flag(help: "Leave the room after the last message.") var leave = false

    func run() async throws {
        var configuration = StoreConfiguration(directory: data)
        if let clientIdsRecentMax {
            configuration.clientIdsRecentMax = clientIdsRecentMax
            configuration.clientIdsMergeMax = max(1, clientIdsRecentMax / 2)
        }
        let store = try Store(configuration: configuration)
        let writer = LogWriter(store: store)
        try await enter(writer, user: user, room: room)
        Output.line("ready")
        var index = from
        while count == 0 || index < from + count {
            let outcome = try await writer.append(.post(user: user, room: room, body: "\(user) says \(index)", clientId: "\(user)-\(index)"))
            guard let event = outcome.event else { throw ValidationError("message \(index) was not appended") }
            Output.line("ack \(event.seq) \(event.roomSeq) \(index)")
            index += 1
        }
        if leave { _ = try await writer.append(.leave(user: user, room: room)) }
        writer.stop()
    }
}

/// Test helper: tails the log from `seq` 1 and prints `SEQ USER ID` for each message until it has seen `count`.
struct TailChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tail", abstract: "Print messages as they are appended (test helper).")

    @Option(help: "The data directory.") var data: String
    @Option(help: "How many messages to wait for.") var count: Int

    func run() async throws {
        let store = try Store(configuration: StoreConfiguration(directory: data))
        let (batches, handOver) = AsyncThrowingStream<[Event], any Error>.makeStream()
        let follower = try LogFollower(store: store, from: 1, onBatch: { handOver.yield($0) }, onEnd: { handOver.finish(throwing: $0) })
        defer { follower.stop() }
        Output.line("ready")
        var seen = 0
        for try await batch in batches {
            for event in batch {
                if case .messagePosted(let user, _, _, let id) = event.payload {
                    Output.line("\(event.seq) \(user) \(id ?? "-")")
                    seen += 1
                } else {
                    Output.line("\(event.seq) \(event.type.rawValue)")
                }
            }
            if seen >= count { return }
        }
    }
}
