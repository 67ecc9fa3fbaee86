import Foundation
import Hummingbird
import RoomlogCore
import RoomlogStore

/// Liveness, readiness and metrics.
struct HealthRoutes {
    let services: GatewayServices

    func add(to router: Router<GatewayContext>) {
        router.get("/healthz") { _, _ in JSONResponse.make(.ok, Array(#"{"status":"ok"}"#.utf8)) }
        router.get("/readyz") { _, _ in try ready() }
        router.get("/metrics") { _, _ in metrics() }
    }

    func ready() throws -> Response {
        if let problem = services.cluster?.problem { return APIError(.notReady, "the cluster cannot be reached: \(problem)").response }
        let head = try services.store.head()
        let tail = services.tailPosition.current
        let lagMilliseconds = services.clock().milliseconds - tail.caughtUpAt
        guard tail.seq >= head || lagMilliseconds <= services.configuration.readyLagMilliseconds else {
            return APIError(.notReady, "the tail is at \(tail.seq), the head at \(head)").response
        }
        var json = JSONWriter()
        json.string("status", "ready")
        json.number("head", head)
        json.number("tail", tail.seq)
        return JSONResponse.make(.ok, json.finish())
    }

    func metrics() -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: services.metrics.text)))
}
}
