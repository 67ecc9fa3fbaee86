import Logging
import NIOCore
import NIOWebSocket
import RoomlogCore
import RoomlogStore
import ServiceLifecycle
import Prometheus
import Synchronization

/// This gateway's one follower of the log (a dedicated thread, one wake-up from a commit in any process): it
/// renders each room event's frame once and hands the batch to every event loop's hub; it closes the sockets of
/// closed sessions with 4001, records how far it has read (readiness), and on shutdown closes every socket with 1001.
struct BroadcastService: Service {
    let services: GatewayServices
    let logger: Logger

    func run() async throws {
        let deflater = Deflater()
        let start = try services.store.head()
        services.tailPosition.caughtUp(to: start, at: services.clock().milliseconds)
        let (ends, ended) = AsyncStream<(any Error)?>.makeStream()
        let follower = try LogFollower(store: services.store, from: start + 1, onBatch: { [self] batch in
            publish(batch, deflater)
            record(batch)
        }, onEnd: { error in
            ended.yield(error)
            ended.finish()
        })
        var failure: (any Error)?
        await withGracefulShutdownHandler {
            for await end in ends { failure = end }
        } onGracefulShutdown: {
            follower.stop()
        }
        let closes = services.hubs.all.map { hub in hub.loop.flatSubmit { hub.closeAll(code: .serverShuttingDown) } }
        for close in closes { try? await close.get() }
        if let failure { throw failure }
    }

    /// Records the tail lag and, once caught up, the position for readiness.
    func record(_ batch: [Event]) {
        guard let last = batch.last else { return }
        let now = services.clock().milliseconds
        // A batch shorter than the limit read everything there was: only a full one can be behind the head.
        let full = batch.count >= services.store.configuration.tailBatchEventsMax
        let behind = full ? (try? services.store.head()).map { $0 > last.seq ? $0 - last.seq : 0 } ?? 0 : 0
        services.metrics.tailLagEvents.set(to: Double(behind))
        services.metrics.tailLagSeconds.set(to: behind == 0 ? 0 : Double(max(0, now - last.at.milliseconds)) / 1000)
        if behind == 0 { services.tailPosition.caughtUp(to: last.seq, at: now) }
    }

    func publish(_ batch: [Event], _ deflater: Deflater) {
        let published = LogWriter.monotonicNanoseconds()
        if let last = batch.last {
            for durable in services.durableTimes.take(through: last.seq) { services.metrics.record(.followerWakeup, nanoseconds: published &- durable) }
        }
        var broadcasts: [Broadcast] = []
        var closedSessions: [String] = []
        let compressing = services.hubs.deflateConnections.load(ordering: .relaxed) > 0
        for event in batch {
            if let room = event.room {
                broadcasts.append(Broadcast(event, record: event.jsonRecord, room: room, deflater: compressing ? deflater : nil))
            } else if case .sessionClosed(_, let session, _, _) = event.payload {
                closedSessions.append(session)
            }
        }
        guard !broadcasts.isEmpty || !closedSessions.isEmpty else { return }
        let (events, sessions) = (broadcasts, closedSessions)
        for hub in services.hubs.all {
            hub.loop.execute {
                if !events.isEmpty { hub.deliver(events, publishedAt: published) }
                for session in sessions { hub.close(session: session, code: .sessionClosed) }
            }
        }
    }
}
