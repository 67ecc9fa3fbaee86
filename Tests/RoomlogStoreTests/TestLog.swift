import Foundation
import RoomlogCore
@testable import RoomlogStore

/// A wall clock that tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now = Timestamp(milliseconds: 1_795_704_803_120)

    var clock: LogWriter.Clock { { [self] in lock.withLock { now } } }

    func advance(milliseconds: Int64) {
        lock.withLock { now = now.adding(milliseconds: milliseconds) }
    }
}

/// A store and writer in a fresh temporary directory, removed by `close()`.
final class TestLog: @unchecked Sendable {
    let directory: String
    let store: Store
    let writer: LogWriter
    let time = ManualClock()

    /// A log whose writer keeps at most `clientIdsRecentMax` recent client ids apart and merges 5 at a time, so the
    /// tests go through merges (the default is tens of thousands).
    init(durable: Bool = false, mapSizeBytes: Int? = nil, clientIdsRecentMax: Int = 8, limits: Limits = Limits(),
         tailSafetyPollMilliseconds: Int = 250, label: String = #function) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-test-\(UUID().uuidString)").path
        var configuration = StoreConfiguration(directory: directory)
        configuration.clientIdsRecentMax = clientIdsRecentMax
        configuration.clientIdsMergeMax = 5
        configuration.environment.durable = durable
        configuration.limits = limits
        configuration.tailSafetyPollMilliseconds = tailSafetyPollMilliseconds
        if let mapSizeBytes { configuration.environment.mapSizeBytes = mapSizeBytes }
        store = try Store(configuration: configuration)
        writer = LogWriter(store: store, clock: time.clock)
    }

    func close() {
        writer.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    func append(_ command: Command, session: TokenDigest? = nil) async throws -> CommandOutcome {
        try await writer.append(command, session: session)
    }

    /// Registers each user and has the first create `room` and the rest join it.
    func seed(users: [String], room: String) async throws {
        for user in users { try await append(.register(user: user, passwordHash: "hash-of-\(user)")) }
        try await append(.createRoom(user: users[0], room: room, topic: ""))
        for user in users.dropFirst() { try await append(.join(user: user, room: room)) }
    }

    func storedProjections() throws -> Projections {
        try store.environment.read { txn in try store.loadProjections(txn) }
    }
}

/// The body of a message event, or nil.
func messageBody(_ event: Event) -> String? {
    if case .messagePosted(_, _, let body, _) = event.payload { return body }
    return nil
}
