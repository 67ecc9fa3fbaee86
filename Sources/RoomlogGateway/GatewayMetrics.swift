import Prometheus

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
    }

    /// The exposition text.
    public var text: String { registry.emitToString() }
}
