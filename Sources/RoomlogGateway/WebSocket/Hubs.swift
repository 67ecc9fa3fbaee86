import NIOCore
import Synchronization

/// Every event loop's hub, made on first use.
final class Hubs: Sendable {
    private let hubs = Mutex<[ObjectIdentifier: Hub]>([:])
    let metrics: GatewayMetrics
    let pingIntervalMilliseconds: Int64
    /// Open connections that negotiated permessage-deflate: broadcast frames are compressed only while there are any.
    let deflateConnections = Atomic<Int>(0)

    init(metrics: GatewayMetrics, pingIntervalMilliseconds: Int64) {
        self.metrics = metrics
        self.pingIntervalMilliseconds = pingIntervalMilliseconds
    }

    func hub(for loop: any EventLoop) -> Hub {
        hubs.withLock { hubs in
            if let hub = hubs[ObjectIdentifier(loop)] { return hub }
            let hub = Hub(loop: loop, metrics: metrics, pingIntervalMilliseconds: pingIntervalMilliseconds)
            hubs[ObjectIdentifier(loop)] = hub
            return hub
        }
    }

    var all: [Hub] { hubs.withLock { Array($0.values) } }
}
