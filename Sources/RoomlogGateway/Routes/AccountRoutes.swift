import Hummingbird
import RoomlogAuth
import RoomlogCore
import RoomlogStore

/// Register, login, logout and me.
struct AccountRoutes {
    let services: GatewayServices

    /// Register and login, which need no session.
    func add(to router: Router<GatewayContext>) {
        router.post("/api/v1/register") { request, context in try await register(request, context) }
        router.post("/api/v1/login") { request, context in try await login(request, context) }
    }

    /// Logout and me, in the group of routes that need a session.
    func add(to api: RouterGroup<SessionContext>) {
        api.post("logout") { _, context in try await logout(context) }
        api.get("me") { _, context in try me(context) }
    }

    func register(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let address = services.clientAddress(request, peer: context.peerAddress)
        if let refusal = services.limiters.register(address: address, now: services.clock().milliseconds) { throw refusal }
        let body = try await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax, limits: services.limits)
        let name = try body.string("name")
        let password = try body.string("password", invalid: .invalidPassword)
        _ = try await services.accounts.register(name: name, password: password)
        var json = JSONWriter()
        json.raw("user", userObject(name))
        return JSONResponse.make(.created, json.finish())
    }

    /// Every attempt counts against its address and, unless the address is over its limit, its name.
    func login(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let body = try? await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax, limits: services.limits)
        var name: String?
        if case .string(let text)? = body?.fields["name"] { name = text }
        let address = services.clientAddress(request, peer: context.peerAddress)
        if let refusal = services.limiters.login(address: address, name: name, now: services.clock().milliseconds) { throw refusal }
        guard let body else { throw APIError.badRequest("the body is not a JSON object") }
        let login = try await services.accounts.login(name: try body.string("name"), password: try body.string("password", invalid: .badCredentials))
        var json = JSONWriter()
        json.string("token", login.token.text)
        json.raw("user", userObject(login.session.user))
        json.timestamp("expiresAt", login.session.expiresAt)
        var response = JSONResponse.make(.ok, json.finish())
        response.setCookie(sessionCookie(login.token.text, maxAge: Int(services.limits.sessionLifetimeMilliseconds / 1000)))
        return response
    }

    func logout(_ context: SessionContext) async throws -> Response {
        _ = try await services.accounts.logout(context.identity.token)
        var response = Response(status: .noContent)
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }

    func me(_ context: SessionContext) throws -> Response {
        var json = JSONWriter()
        json.raw("user", userObject(context.session.user))
        json.strings("rooms", try services.store.rooms(of: context.session.user))
        return JSONResponse.make(.ok, json.finish())
    }

    func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: "roomlog_session", value: value, maxAge: maxAge, path: "/", secure: services.configuration.secureCookies, httpOnly: true, sameSite: .lax)
    }

    func userObject(_ name: String) -> [UInt8] {
        var user = JSONWriter()
        user.string("name", name)
        return user.finish()
    }
}
