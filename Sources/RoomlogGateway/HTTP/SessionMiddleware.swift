import Foundation
import Hummingbird
import RoomlogAuth
import RoomlogCore

/// Finds the request's session once, from `Authorization: Bearer` or else the `roomlog_session` cookie, and puts
/// it on the context (hummingbird-auth's authenticator pattern). A missing, unknown, closed or expired token leaves
/// the context without one; the routes that need a session then answer 401 (`SessionContext`).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    let services: GatewayServices

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        var context = context
        if let (token, byCookie) = Self.token(request.header), let session = try await services.authenticate(token) {
            context.identity = Identity(session: session, token: token, byCookie: byCookie)
        }
        return try await next(request, context)
    }

    /// The token a request presents, and whether it came from the cookie. `header` reads a header by lower-case name.
    static func token(_ header: (String) -> String?) -> (SessionToken, byCookie: Bool)? {
        if let authorization = header("authorization"), authorization.hasPrefix("Bearer ") {
            let text = authorization.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { return (SessionToken(text: text), false) }
        }
        guard let cookie = header("cookie"), let value = Cookies(from: [cookie])["roomlog_session"]?.value, !value.isEmpty else { return nil }
        return (SessionToken(text: value), true)
    }
}
