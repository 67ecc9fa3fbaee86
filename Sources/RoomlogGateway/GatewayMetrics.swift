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
    let tailLagEvents: Gauge
    let tailLagSeconds: Gauge
    let requestDuration: DurationHistogram

    init() {
        connections = registry.makeGauge(name: "roomlog_websocket_connections", help: "Open WebSocket connections on this gateway.")
        subscriptions = registry.makeGauge(name: "roomlog_subscriptions", help: "Room subscriptions of this gateway's WebSockets.")
        eventsAppended = registry.makeCounter(name: "roomlog_events_appended_total", help: "Events this process appended.")
        commitBatchCommands = registry.makeValueHistogram(
            name: "roomlog_commit_batch_commands", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
            help: "Commands per durable commit (group commit).")
        deliveries = registry.makeCounter(name: "roomlog_deliveries_total", help: "Event frames written to WebSocket subscribers.")
        outboxOverflows = registry.makeCounter(name: "roomlog_outbox_overflows_total", help: "Clients closed with 1013 for reading too slowly.")
        tailLagEvents = registry.makeGauge(name: "roomlog_tail_lag_events", help: "Events between this gateway's tail and the head.")
        tailLagSeconds = registry.makeGauge(name: "roomlog_tail_lag_seconds", help: "Age of the last event the tail read while behind the head.")
        requestDuration = registry.makeDurationHistogram(
            name: "roomlog_http_request_duration_seconds",
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50),
                      .milliseconds(100), .milliseconds(500), .seconds(1)],
            help: "HTTP request latency.")
    }

    /// The exposition text.
    public var text: String { registry.emitToString() }
}
