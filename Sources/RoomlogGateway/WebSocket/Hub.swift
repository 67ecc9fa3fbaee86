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
    /// Each room's subscriptions here, walked per event with no lookup per subscriber.
    private var rooms: [String: [Subscription]] = [:]
    private var sessions: [String: [ObjectIdentifier: ChatConnection]] = [:]
    /// Connections with writes to flush, in the order they were written to; those before `flushed` are done.
    private var dirty: [ChatConnection] = []
    private var flushed = 0
    private var flushScheduled = false
    /// Connections flushed per loop task. A round of flushes is cut into tasks so that what comes meanwhile (the next
    /// event's delivery, clients' frames) runs between them: a connection not yet flushed then takes both events in
    /// one write, so under load a room's subscribers cost fewer system calls per event instead of queueing rounds.
    static let flushesPerTask = 64
    /// When the oldest delivery not yet flushed started (the socket_flush stage ends at its flush).
    private var deliveryStarted: UInt64?
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
        }
    }

    /// Ticks every connection for liveness.
    private func tickAll() {
        for connections in Array(sessions.values) {
            for connection in connections.values { connection.tick() }
        }
    }

    /// Adds `subscription` to its room's list; the hub delivers each later event of the room past its `last`.
    func subscribe(_ subscription: Subscription) {
        loop.preconditionInEventLoop()
        subscription.index = rooms[subscription.room]?.count ?? 0
        rooms[subscription.room, default: []].append(subscription)
        metrics.subscriptions.increment()
    }

    /// Takes `subscription` out of its room's list (swapping the last one into its place).
    func unsubscribe(_ subscription: Subscription) {
        loop.preconditionInEventLoop()
        // Taken out of the table while it changes, so the array is not copied.
        guard var list = rooms.removeValue(forKey: subscription.room) else { return }
        defer { if !list.isEmpty { rooms[subscription.room] = list } }
        guard subscription.index < list.count, list[subscription.index] === subscription else { return }
        let moved = list.removeLast()
        if moved !== subscription {
            moved.index = subscription.index
            list[subscription.index] = moved
        }
        metrics.subscriptions.decrement()
    }

    /// Writes each room event's shared frame to the room's subscribers here that have not had it (flushed by
    /// `flushSome`, a connection once however many frames it took meanwhile). For the events that `batches` carry (rooms with several events this tick, while there are batch=1
    /// subscribers), a batch=1 subscriber gets the batch frame instead when it had every event before it, else the
    /// events it lacks one frame each.
    func deliver(_ events: [Broadcast], batches: [BatchBroadcast] = [], publishedAt: UInt64? = nil) {
        loop.preconditionInEventLoop()
        let started = LogWriter.monotonicNanoseconds()
        if let publishedAt { metrics.record(.hubDelivery, nanoseconds: started &- publishedAt) }
        var written = 0
        for event in events {
            guard let subscriptions = rooms[event.room] else { continue }
            for subscription in subscriptions where subscription.last < event.roomSeq && !(event.batched && subscription.connection.batch) {
                guard subscription.connection.deliver(event) else { continue }  // it marks itself to flush
                subscription.last = event.roomSeq
                written += 1
            }
        }
        for batch in batches {
            guard let subscriptions = rooms[batch.room] else { continue }
            for subscription in subscriptions where subscription.connection.batch && subscription.last < batch.last {
                if subscription.last < batch.first {
                    guard subscription.connection.deliver(batch) else { continue }
                    written += Int(batch.last - batch.first + 1)
                    subscription.last = batch.last
                    continue
                }
                for event in events where event.room == batch.room && event.roomSeq > subscription.last && event.roomSeq <= batch.last {
                    guard subscription.connection.deliver(event) else { break }
                    subscription.last = event.roomSeq
                    written += 1
                }
            }
        }
        if written > 0 {
            metrics.deliveries.increment(by: Int64(written))
            if deliveryStarted == nil { deliveryStarted = started }
        }
    }

    /// Marks `connection` as having writes to flush: after those written to before it, in a later task of this loop.
    func wrote(_ connection: ChatConnection) {
        guard !connection.flushPending else { return }
        connection.flushPending = true
        dirty.append(connection)
        scheduleFlushes()
    }

    private func scheduleFlushes() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute { [self] in flushSome() }
    }

    /// Flushes the next `flushesPerTask` connections; schedules itself again while more wait.
    private func flushSome() {
        flushScheduled = false
        let end = min(dirty.count, flushed + Self.flushesPerTask)
        for index in flushed..<end {
            dirty[index].flushPending = false
            dirty[index].flush()
        }
        flushed = end
        guard flushed == dirty.count else {
            // Under steady load the list may never empty: drop what is done now and then, so it does not grow.
            if flushed >= 1024 && flushed * 2 >= dirty.count {
                dirty.removeSubrange(0..<flushed)
                flushed = 0
            }
            return scheduleFlushes()
        }
        dirty.removeAll(keepingCapacity: true)
        flushed = 0
        if let started = deliveryStarted {
            metrics.record(.socketFlush, nanoseconds: LogWriter.monotonicNanoseconds() &- started)
            deliveryStarted = nil
        }
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
