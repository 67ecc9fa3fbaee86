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
        router.get("/") { _, _ in webClient() }
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

    /// The web client: one static page (HTML and script) that uses the HTTP API and the WebSocket.
    static let webClientPage: ByteBuffer = {
        guard let url = Bundle.module.url(forResource: "index", withExtension: "html"), let data = try? Data(contentsOf: url) else {
            return ByteBuffer(string: "<!doctype html><p>The web client is missing from this build.</p>")
        }
        return ByteBuffer(bytes: data)
    }()

    func webClient() -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: Self.webClientPage))
    }

    func metrics() -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: services.metrics.text)))
}
}
