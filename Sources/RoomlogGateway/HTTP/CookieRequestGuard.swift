import Hummingbird
import RoomlogCore

/// The rules for requests a browser authenticates on its own with the cookie: a `POST` whose `Origin` is present
/// must pass the WebSocket's origin check (else 403 `origin_refused`), and a request body must be
/// `application/json` (else 415 `unsupported_media_type`), so a page of another site cannot post as the user.
struct CookieRequestGuard: RouterMiddleware {
    typealias Context = SessionContext

    let origins: OriginPolicy

    func handle(_ request: Request, context: SessionContext, next: (Request, SessionContext) async throws -> Response) async throws -> Response {
        guard context.identity.byCookie else { return try await next(request, context) }
        if request.method == .post, let origin = request.headers[.origin], !origins.allows(origin, host: request.head.authority) {
            throw APIError(.originRefused, "origin \(origin) may not send a cookie-authenticated request here")
        }
        if RequestBody.isPresent(request), !RequestBody.isJSON(request) {
            throw APIError(.unsupportedMediaType, "a cookie-authenticated request body must be Content-Type: application/json")
        }
        return try await next(request, context)
    }
}
