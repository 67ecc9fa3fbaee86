import NIOCore
import NIOWebSocket
import Synchronization

/// One event loop's table of WebSocket connections: by room for delivery, by session for logout. Touched only on
/// its own loop; the broadcaster hands it work with `loop.execute`.
final class Hub: @unchecked Sendable {
    let loop: any EventLoop
    private var rooms: [String: [ObjectIdentifier: ChatConnection]] = [:]
    private var sessions: [String: [ObjectIdentifier: ChatConnection]] = [:]
    private var dirty: [ObjectIdentifier: ChatConnection] = [:]
    private var flushScheduled = false
    /// This loop's compressor and decompressor for permessage-deflate connections (no context takeover: shared).
    private(set) lazy var deflater = Deflater()
    private(set) lazy var inflater = Inflater()

    init(loop: any EventLoop, metrics: GatewayMetrics) {
        self.loop = loop
        self.metrics = metrics
    }

    let metrics: GatewayMetrics

    func add(_ connection: ChatConnection) {
        loop.preconditionInEventLoop()
        metrics.connections.increment()
        sessions[connection.session.id, default: [:]][ObjectIdentifier(connection)] = connection
    }

    func remove(_ connection: ChatConnection) {
        loop.preconditionInEventLoop()
        let id = ObjectIdentifier(connection)
        metrics.connections.decrement()
        sessions[connection.session.id]?[id] = nil
        if sessions[connection.session.id]?.isEmpty == true { sessions[connection.session.id] = nil }
        for room in connection.subscribedRooms { unsubscribe(connection, from: room) }
        dirty[id] = nil
    }

    func subscribe(_ connection: ChatConnection, to room: String) {
        if rooms[room, default: [:]].updateValue(connection, forKey: ObjectIdentifier(connection)) == nil { metrics.subscriptions.increment() }
    }

    func unsubscribe(_ connection: ChatConnection, from room: String) {
        if rooms[room]?.removeValue(forKey: ObjectIdentifier(connection)) != nil { metrics.subscriptions.decrement() }
        if rooms[room]?.isEmpty == true { rooms[room] = nil }
    }

    /// Writes each room event's shared frame to the room's subscribers here, and flushes once this tick.
    func deliver(_ events: [Broadcast]) {
        loop.preconditionInEventLoop()
        var written = 0
        for event in events {
            guard let subscribers = rooms[event.room] else { continue }
            for (id, connection) in subscribers where connection.deliver(event) {
                dirty[id] = connection
                written += 1
            }
        }
        if written > 0 { metrics.deliveries.increment(by: Int64(written)) }
        scheduleFlush()
    }

    /// Marks `connection` as having unflushed writes.
    func wrote(_ connection: ChatConnection) {
        dirty[ObjectIdentifier(connection)] = connection
        scheduleFlush()
    }

    /// Closes every connection of `session` with `code`.
    func close(session: String, code: WebSocketErrorCode) {
        loop.preconditionInEventLoop()
        for connection in sessions[session]?.values.map({ $0 }) ?? [] { _ = connection.close(code: code) }
    }

    /// Closes every connection with `code` (shutdown); succeeds once every close frame is written.
    func closeAll(code: WebSocketErrorCode) -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        let closes = sessions.values.flatMap { $0.values }.map { $0.close(code: code) }
        return EventLoopFuture.andAllComplete(closes, on: loop)
    }

    private func scheduleFlush() {
        guard !flushScheduled, !dirty.isEmpty else { return }
        flushScheduled = true
        loop.execute { [self] in
            flushScheduled = false
            let connections = dirty.values
            dirty = [:]
            for connection in connections { connection.flush() }
        }
    }
}

/// One room event as every subscriber gets it: its room, its `roomSeq`, and the frame's JSON, encoded once, plain
/// and compressed (for permessage-deflate connections).
struct Broadcast: Sendable {
    let room: String
    let roomSeq: UInt64
    let frame: ByteBuffer
    let compressed: ByteBuffer?
}

/// Every event loop's hub, made on first use.
final class Hubs: Sendable {
    private let hubs = Mutex<[ObjectIdentifier: Hub]>([:])
    let metrics: GatewayMetrics
    /// Open connections that negotiated permessage-deflate: broadcast frames are compressed only while there are any.
    let deflateConnections = Atomic<Int>(0)

    init(metrics: GatewayMetrics) {
        self.metrics = metrics
    }

    func hub(for loop: any EventLoop) -> Hub {
        hubs.withLock { hubs in
            if let hub = hubs[ObjectIdentifier(loop)] { return hub }
            let hub = Hub(loop: loop, metrics: metrics)
            hubs[ObjectIdentifier(loop)] = hub
            return hub
        }
    }

    var all: [Hub] { hubs.withLock { Array($0.values) } }
}
