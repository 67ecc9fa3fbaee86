import NIOCore
import NIOWebSocket
import Prometheus
import RoomlogCore
import RoomlogStore

/// One event loop's table of WebSocket connections: by room for delivery, by session for logout, and all of them
/// for the liveness tick (one timer per loop, not per connection). Touched only on its own loop; the broadcaster
/// hands it work with `loop.execute`.
final class Hub: @unchecked Sendable {
    let loop: any EventLoop
    /// The rooms with subscriptions here.
    private var rooms: [String: HubRoom] = [:]
    /// Rooms that may hold events a subscription lacks: trimmed when a round of flushes ends.
    private var roomsToTrim: [HubRoom] = []
    private var sessions: [String: [ObjectIdentifier: ChatConnection]] = [:]
    /// Connections with writes to flush, in the order they were written to; those before `flushed` are done.
    private var dirty: [ChatConnection] = []
    private var flushed = 0
    private var flushScheduled = false
    /// Connections flushed per loop task. A round of flushes is cut into tasks, each after the loop has read its
    /// sockets, so that what comes meanwhile (clients' frames, the next events) is taken between them: a connection
    /// not yet flushed then takes every event that reached it in one write.
    static let flushesPerTask = 64
    /// How the next task of a round waits for the loop to read its sockets first.
    private lazy var flushYield = LoopYield(loop: loop) { [weak self] in self?.flushSome() }
    /// Deliveries whose connections are not all flushed yet: when each started, and the end of `dirty` then (the
    /// socket_flush stage ends when `flushed` reaches it).
    private var unflushedDeliveries = CircularBuffer<(end: Int, started: UInt64)>()
    /// This loop's compressor and decompressor for permessage-deflate connections (no context takeover: shared).
    private(set) lazy var deflater = Deflater()
    private(set) lazy var inflater = Inflater()
    let metrics: GatewayMetrics
    /// How often connections are ticked for liveness: half the ping interval.
    private let tickInterval: TimeAmount
    /// The liveness tick, running while the hub has connections.
    private var ticker: RepeatedTask?
    private var connectionCount = 0

    init(loop: any EventLoop, metrics: GatewayMetrics, pingIntervalMilliseconds: Int64) {
        self.loop = loop
        self.metrics = metrics
        tickInterval = .milliseconds(max(1, pingIntervalMilliseconds / 2))
    }

    func add(_ connection: ChatConnection) {
        loop.preconditionInEventLoop()
        metrics.connections.increment()
        sessions[connection.session.id, default: [:]][ObjectIdentifier(connection)] = connection
        connectionCount += 1
        if ticker == nil {
            ticker = loop.scheduleRepeatedTask(initialDelay: tickInterval, delay: tickInterval) { [self] _ in tickAll() }
            flushYield.open()
        }
    }

    func remove(_ connection: ChatConnection) {
        loop.preconditionInEventLoop()
        let id = ObjectIdentifier(connection)
        metrics.connections.decrement()
        sessions[connection.session.id]?[id] = nil
        if sessions[connection.session.id]?.isEmpty == true { sessions[connection.session.id] = nil }
        connectionCount -= 1
        if connectionCount == 0 {
            ticker?.cancel()
            ticker = nil
            flushYield.close()
        }
    }

    /// Ticks every connection for liveness.
    private func tickAll() {
        for connections in Array(sessions.values) {
            for connection in connections.values { connection.tick() }
        }
    }

    /// Adds `subscription` to its room; the hub delivers each later event of the room past its `last`.
    func subscribe(_ subscription: Subscription) {
        loop.preconditionInEventLoop()
        let room = rooms[subscription.room] ?? {
            let room = HubRoom(name: subscription.room)
            rooms[subscription.room] = room
            return room
        }()
        subscription.index = room.subscriptions.count
        subscription.hubRoom = room
        room.subscriptions.append(subscription)
        metrics.subscriptions.increment()
        // Not expected (a catch-up reads the log at least as far as this hub has had), but then the room has them.
        if subscription.last < room.head { markBehind(subscription) }
    }

    /// Takes `subscription` out of its room's list (swapping the last one into its place).
    func unsubscribe(_ subscription: Subscription) {
        loop.preconditionInEventLoop()
        guard let room = subscription.hubRoom, subscription.index < room.subscriptions.count,
              room.subscriptions[subscription.index] === subscription else { return }
        subscription.hubRoom = nil
        let moved = room.subscriptions.removeLast()
        if moved !== subscription {
            moved.index = subscription.index
            room.subscriptions[subscription.index] = moved
        }
        if room.subscriptions.isEmpty { rooms[subscription.room] = nil }
        metrics.subscriptions.decrement()
    }

    /// Takes each room event to its room here and marks the subscriptions it reaches as behind: their connections'
    /// flushes (in later tasks of this loop, `flushSome`) write what they lack, each connection once however many
    /// events came meanwhile.
    func deliver(_ events: [Broadcast], publishedAt: UInt64? = nil) {
        loop.preconditionInEventLoop()
        let started = LogWriter.monotonicNanoseconds()
        if let publishedAt { metrics.record(.hubDelivery, nanoseconds: started &- publishedAt) }
        var reached = false
        for event in events {
            guard let room = rooms[event.room], event.roomSeq > room.head else { continue }
            if !room.hasRecent { roomsToTrim.append(room) }
            room.append(event)
            for subscription in room.subscriptions where subscription.last < event.roomSeq {
                reached = true
                if !subscription.isBehind { markBehind(subscription) }
            }
        }
        if reached { unflushedDeliveries.append((dirty.count, started)) }
    }

    private func markBehind(_ subscription: Subscription) {
        subscription.isBehind = true
        subscription.connection.behind.append(subscription)
        wrote(subscription.connection)
    }

    /// Writes to `connection` every event its subscriptions lack, then flushes it.
    private func flush(_ connection: ChatConnection) {
        if !connection.behind.isEmpty {
            let bytesMax = connection.services.configuration.frameBytesMax
            let deflater = connection.deflate ? self.deflater : nil
            var written = 0
            for subscription in connection.behind {
                subscription.isBehind = false
                guard let room = subscription.hubRoom else { continue }  // unsubscribed meanwhile
                let count = room.write(after: subscription.last, batch: connection.batch, deflater: deflater, bytesMax: bytesMax) { connection.write($0) }
                guard count > 0 else { continue }
                // All of it went: a write fails only on a connection that is not open or that it closes (1013).
                subscription.last = room.head
                written += count
            }
            connection.behind.removeAll(keepingCapacity: true)
            if written > 0 { metrics.deliveries.increment(by: Int64(written)) }
        }
        connection.flushPending = false  // only now: the writes above are flushed here, not queued again
        connection.flush()
    }

    /// Marks `connection` as having writes to flush: after those written to before it, in a later task of this loop.
    func wrote(_ connection: ChatConnection) {
        guard !connection.flushPending else { return }
        connection.flushPending = true
        dirty.append(connection)
        scheduleFlushes()
    }

    /// Schedules the next task of flushes: at the end of this loop tick, or when `afterIO`, after the loop has
    /// next read its sockets (see `LoopYield`), so that a long round does not hold back clients' frames.
    private func scheduleFlushes(afterIO: Bool = false) {
        guard !flushScheduled else { return }
        flushScheduled = true
        if afterIO {
            flushYield.schedule()
        } else {
            loop.execute { [self] in flushSome() }
        }
    }

    /// Flushes the next `flushesPerTask` connections; schedules itself again while more wait. When none waits, no
    /// subscription is behind: the rooms drop the events every subscription has.
    private func flushSome() {
        flushScheduled = false
        let end = min(dirty.count, flushed + Self.flushesPerTask)
        for index in flushed..<end { flush(dirty[index]) }
        flushed = end
        let now = LogWriter.monotonicNanoseconds()
        while let first = unflushedDeliveries.first, first.end <= flushed {
            metrics.record(.socketFlush, nanoseconds: now &- first.started)
            unflushedDeliveries.removeFirst()
        }
        guard flushed == dirty.count else {
            // Under steady load the list may never empty: drop what is done now and then, so it does not grow.
            if flushed >= 1024 && flushed * 2 >= dirty.count {
                dirty.removeSubrange(0..<flushed)
                for index in unflushedDeliveries.indices { unflushedDeliveries[index].end -= flushed }
                flushed = 0
            }
            return scheduleFlushes(afterIO: true)
        }
        dirty.removeAll(keepingCapacity: true)
        flushed = 0
        for room in roomsToTrim { room.trim() }
        roomsToTrim.removeAll { !$0.hasRecent }
    }

    /// Closes every connection of `session` with `code`.
    func close(session: String, code: WebSocketErrorCode) {
        loop.preconditionInEventLoop()
        for connection in sessions[session]?.values.map({ $0 }) ?? [] { connection.close(code: code) }
    }

    /// Closes every connection with `code` (shutdown); succeeds once every connection has closed (each one within
    /// the close timeout, whatever its peer does).
    func closeAll(code: WebSocketErrorCode) -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        let connections = sessions.values.flatMap { $0.values }
        for connection in connections { connection.close(code: code) }
        return EventLoopFuture.andAllComplete(connections.map(\.closeFuture), on: loop)
    }
}
