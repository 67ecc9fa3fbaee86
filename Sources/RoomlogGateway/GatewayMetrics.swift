import Prometheus
import Synchronization

/// The gateway's metrics, in Prometheus text format at `/metrics`. One registry per gateway (not the process-wide
/// swift-metrics bootstrap), so that several gateways can live in one test process.
public final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let connections: Gauge
    let subscriptions: Gauge
    let eventsAppended: Counter
    let commitBatchCommands: ValueHistogram
    let deliveries: Counter
    let outboxOverflows: Counter
    let connectionsRefused: Counter
    let tailLagEvents: Gauge
    let tailLagSeconds: Gauge
    let requestDuration: DurationHistogram
    /// Time spent in each stage of the durable path of a message, from its frame to the subscribers' sockets.
    let stages: [DurablePathStage: DurationHistogram]

    init() {
        /// `roomlog_NAME_UNIT`.
        func name(_ metric: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "roomlog", metricName: metric, unitName: unit, helpText: help)
        }
        connections = registry.makeGauge(descriptor: name("websocket_connections", "Open WebSocket connections on this gateway."))
        subscriptions = registry.makeGauge(descriptor: name("subscriptions", "Room subscriptions of this gateway's WebSockets."))
        eventsAppended = registry.makeCounter(descriptor: name("events_appended", unit: "total", "Events this process appended."))
        commitBatchCommands = registry.makeValueHistogram(
            descriptor: name("commit_batch_commands", "Commands per durable commit (group commit)."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
        deliveries = registry.makeCounter(descriptor: name("deliveries", unit: "total", "Event frames written to WebSocket subscribers."))
        outboxOverflows = registry.makeCounter(descriptor: name("outbox_overflows", unit: "total", "Clients closed with 1013 for reading too slowly."))
        connectionsRefused = registry.makeCounter(descriptor: name("connections_refused", unit: "total", "Connections closed at once because connections-max were open."))
        tailLagEvents = registry.makeGauge(descriptor: name("tail_lag", unit: "events", "Events between this gateway's tail and the head."))
        tailLagSeconds = registry.makeGauge(descriptor: name("tail_lag", unit: "seconds", "Age of the last event the tail read while behind the head."))
        requestDuration = registry.makeDurationHistogram(
            descriptor: name("http_request_duration", unit: "seconds", "HTTP request latency."),
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50),
                      .milliseconds(100), .milliseconds(500), .seconds(1)])
        let registry = registry
        stages = Dictionary(uniqueKeysWithValues: DurablePathStage.allCases.map { stage in
            (stage, registry.makeDurationHistogram(
                descriptor: name("durable_path_stage", unit: "seconds",
                                 "Time in each stage of a message's durable path (frame_read .. socket_flush; see DurablePathStage)."),
                labels: [("stage", stage.rawValue)],
                buckets: [.microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
                          .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                          .milliseconds(100)]))
        })
    }

    /// Records `nanoseconds` spent in `stage`.
    func record(_ stage: DurablePathStage, nanoseconds: UInt64) {
        stages[stage]?.record(.nanoseconds(Int64(clamping: nanoseconds)))
    }

    /// The exposition text.
    public var text: String { registry.emitToString() }
}

/// The stages of a message's durable path, in order, as `roomlog_durable_path_stage_seconds{stage=...}` times them:
/// - frame_read: a client's frame, from its arrival at the connection to its command handed to the writer;
/// - writer_queue: the command waiting for its batch's write transaction;
/// - transaction: the write transaction (decide, append, commit, which flushes the pages it wrote but not yet the
///   meta page that points at them);
/// - data_flush: the flush of the meta page, which makes the batch durable (the disk's own cost);
/// - completion: from the flush to every caller of the batch completed (durable mark, tailers woken, acks handed over);
/// - follower_wakeup: from the flush to this gateway's tail reading the batch (commits of this process);
/// - hub_delivery: from the tail handing the events over to an event loop starting to deliver them;
/// - socket_flush: from that start to every subscriber's socket written and flushed.
enum DurablePathStage: String, CaseIterable, Sendable {
    case frameRead = "frame_read"
    case writerQueue = "writer_queue"
    case transaction
    case dataFlush = "data_flush"
    case completion
    case followerWakeup = "follower_wakeup"
    case hubDelivery = "hub_delivery"
    case socketFlush = "socket_flush"
}

/// This process's last commits (head seq, when durable), so that its tail can time its own wake-up; at most
/// `capacity`, the oldest dropped (commits of other processes never appear, and are not timed).
final class DurableTimes: Sendable {
    private let entries = Mutex<[(head: UInt64, at: UInt64)]>([])
    static let capacity = 256

    func record(head: UInt64, at: UInt64) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeFirst(entries.count - Self.capacity + 1) }
            entries.append((head, at))
        }
    }

    /// Takes the commits whose head is at most `seq`.
    func take(through seq: UInt64) -> [UInt64] {
        entries.withLock { entries in
            let index = entries.firstIndex { $0.head > seq } ?? entries.count
            defer { entries.removeFirst(index) }
            return entries[..<index].map(\.at)
        }
    }
}
