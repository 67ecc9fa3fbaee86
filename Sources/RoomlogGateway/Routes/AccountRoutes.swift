import Foundation
import Hummingbird
import RoomlogAuth
import RoomlogCore

/// Register, login, logout and me.
struct AccountRoutes {
    let services: GatewayServices

    func add(to router: Router<GatewayContext>) {
        router.post("/api/v1/register") { request, _ in try await register(request) }
        router.post("/api/v1/login") { request, context in try await login(request, context) }
        router.post("/api/v1/logout") { request, _ in try await logout(request) }
        router.get("/api/v1/me") { request, _ in try me(request) }
    }

    func register(_ request: Request) async throws -> Response {
        let body = try await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax)
        let name = try body.string("name")
        let password = try body.string("password", invalid: .invalidPassword)
        _ = try await services.accounts.register(name: name, password: password)
        var json = JSONWriter()
        json.raw("user", userObject(name))
        return JSONResponse.make(.created, json.finish())
    }

    func login(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let now = services.clock().milliseconds
        let addressAllowed = services.loginLimiter.allow("address " + services.clientAddress(request, context), now: now)
        let body = try? await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax)
        var nameAllowed = true
        if case .string(let name)? = body?.fields["name"] { nameAllowed = services.loginLimiter.allow("name " + name, now: now) }
        guard addressAllowed, nameAllowed else { throw APIError.rateLimited }
        guard let body else { throw APIError.badRequest("the body is not a JSON object") }
        let login = try await services.accounts.login(name: try body.string("name"), password: try body.string("password", invalid: .badCredentials))
        var json = JSONWriter()
        json.string("token", login.token.text)
        json.raw("user", userObject(login.session.user))
        json.timestamp("expiresAt", login.session.expiresAt)
        var response = JSONResponse.make(.ok, json.finish())
        let lifetime = Int(services.store.configuration.limits.sessionLifetimeMilliseconds / 1000)
        response.setCookie(Cookie(name: "roomlog_session", value: login.token.text, maxAge: lifetime, path: "/",
                                  secure: services.configuration.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    func logout(_ request: Request) async throws -> Response {
        let (_, token) = try services.authenticate(request)
        _ = try await services.accounts.logout(token)
        var response = Response(status: .noContent)
        response.setCookie(Cookie(name: "roomlog_session", value: "", maxAge: 0, path: "/",
                                  secure: services.configuration.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    func me(_ request: Request) throws -> Response {
        let (session, _) = try services.authenticate(request)
        var json = JSONWriter()
        json.raw("user", userObject(session.user))
        json.strings("rooms", try services.store.rooms(of: session.user))
        return JSONResponse.make(.ok, json.finish())
    }

    func userObject(_ name: String) -> [UInt8] {
        var user = JSONWriter()
        user.string("name", name)
        return user.finish()
    }
}
