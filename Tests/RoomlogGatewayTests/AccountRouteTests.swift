import Foundation
import Testing
import Hummingbird
@testable import RoomlogGateway
import RoomlogStore

@Suite("HTTP: accounts")
struct AccountRouteTests {
    @Test("register: 201, then invalid_name, invalid_password, name_taken, bad_request; unknown fields ignored")
    func register() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            let created = try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"correct horse","extra":{"x":[1]}}"#)
            #expect(created.status == .created)
            #expect(created.text == #"{"user":{"name":"alice"}}"#)
            #expect(try await client.call(.post, "/api/v1/register", #"{"name":"Alice","password":"correct horse"}"#).errorCode == "invalid_name")
            #expect(try await client.call(.post, "/api/v1/register", #"{"name":"bob","password":"short"}"#).errorCode == "invalid_password")
            let taken = try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"another one"}"#)
            #expect(taken.status == .conflict && taken.errorCode == "name_taken")
            for bad in ["not json", #"{"name":"bob"}"#, #"{"name":7,"password":"correct horse"}"#, "[]", ""] {
                let answer = try await client.call(.post, "/api/v1/register", bad)
                #expect(answer.status == .badRequest && answer.errorCode == "bad_request", "\(bad)")
            }
        }
    }

    @Test("login: token, user, expiresAt and an HttpOnly SameSite=Lax cookie; wrong password is bad_credentials")
    func login() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"correct horse"}"#)
            let login = try await client.call(.post, "/api/v1/login", #"{"name":"alice","password":"correct horse"}"#)
            #expect(login.status == .ok)
            let token = try #require(login.json["token"] as? String)
            #expect((login.json["user"] as? [String: Any])?["name"] as? String == "alice")
            #expect((login.json["expiresAt"] as? String)?.hasSuffix("Z") == true)
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.hasPrefix("roomlog_session=\(token)"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/") && !cookie.contains("Secure"))
            let wrong = try await client.call(.post, "/api/v1/login", #"{"name":"alice","password":"wrong horse"}"#)
            #expect(wrong.status == .unauthorized && wrong.errorCode == "bad_credentials")
            #expect(try await client.call(.post, "/api/v1/login", #"{"name":"nobody","password":"correct horse"}"#).errorCode == "bad_credentials")
            let me = try await client.call(.get, "/api/v1/me", headers: [.cookie: "roomlog_session=\(token)"])
            #expect(me.text == #"{"user":{"name":"alice"},"rooms":[]}"#)
        }
    }

    @Test("a writer that cannot take commands is 503 unavailable, not a bare 500")
    func writerStopped() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        gateway.writer.stop()
        try await gateway.run { client in
            let answer = try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"correct horse"}"#)
            #expect(answer.status == .serviceUnavailable && answer.errorCode == "unavailable")
        }
    }

    @Test("the cookie is Secure with --secure-cookies")
    func secureCookie() async throws {
        let gateway = try GatewayHarness { $0.secureCookies = true }
        defer { gateway.close() }
        try await gateway.run { client in
            try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"correct horse"}"#)
            let login = try await client.call(.post, "/api/v1/login", #"{"name":"alice","password":"correct horse"}"#)
            #expect(login.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test("the 11th login attempt for a name in a minute is 429, failed, malformed or not")
    func loginRateLimit() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"correct horse"}"#)
            for _ in 0..<9 { #expect(try await client.call(.post, "/api/v1/login", #"{"name":"alice","password":"wrong"}"#).status == .unauthorized) }
            #expect(try await client.call(.post, "/api/v1/login", #"{"name":"alice","password":"correct horse"}"#).status == .ok)
            let limited = try await client.call(.post, "/api/v1/login", #"{"name":"alice","password":"correct horse"}"#)
            #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited")
        }
    }

    @Test("malformed logins count against the client address")
    func loginRateLimitByAddress() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            for _ in 0..<10 {
                let malformed = try await client.call(.post, "/api/v1/login", "garbage")
                #expect(malformed.status == .badRequest)
            }
            let limited = try await client.call(.post, "/api/v1/login", #"{"name":"someone","password":"x"}"#)
            #expect(limited.status == .tooManyRequests)
        }
    }

    @Test("logout: 204, the token stops working, and every route then answers 401")
    func logout() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            let token = try await client.user("alice")
            #expect(try await client.call(.get, "/api/v1/me", token: token).status == .ok)
            let out = try await client.call(.post, "/api/v1/logout", token: token)
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/me"), (.post, "/api/v1/logout"), (.get, "/api/v1/rooms"), (.post, "/api/v1/rooms")] {
                let answer = try await client.call(method, path, token: token)
                #expect(answer.status == .unauthorized && answer.errorCode == "unauthorized", "\(path)")
            }
            #expect(try await client.call(.get, "/api/v1/me").errorCode == "unauthorized")
            #expect(try await client.call(.get, "/api/v1/me", token: "forged").errorCode == "unauthorized")
        }
    }

    @Test("a request with Connection: close gets Connection: close in its answer (nginx reuses the connection otherwise); others do not")
    func connectionClose() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            let closing = try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"correct horse"}"#, headers: [.connection: "close"])
            #expect(closing.status == .created && closing.headers[.connection] == "close")
            let failing = try await client.call(.post, "/api/v1/login", #"{"name":"alice","password":"wrong horse"}"#, headers: [.connection: "close"])
            #expect(failing.status == .unauthorized && failing.headers[.connection] == "close")
            #expect(try await client.call(.get, "/healthz").headers[.connection] == nil)
        }
    }
}
