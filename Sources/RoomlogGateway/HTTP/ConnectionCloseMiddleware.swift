import Hummingbird

/// Says `Connection: close` in the answer to a request that asked for it, since the server then closes the
/// connection after answering (RFC 9112 9.6). A proxy that keeps upstream connections alive (nginx's `keepalive`)
/// goes by the answer's header alone: without it, it kept the closing connection and sent the next request into it,
/// and answered that request 502.
struct ConnectionCloseMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // The same test as Hummingbird's, which ends the connection after this answer.
        if request.headers[.connection] == "close" { response.headers[.connection] = "close" }
        return response
    }
}
