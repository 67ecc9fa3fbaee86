import Foundation
import Testing
import Hummingbird
@testable import RoomlogGateway
import RoomlogCore
import RoomlogStore

@Suite("HTTP: rooms and messages")
struct RoomRouteTests {
    @Test("create, list, get, members, join and leave answer as the protocol says")
    func rooms() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            let alice = try await client.user("alice")
            let bob = try await client.user("bob")
            let created = try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox","topic":"food"}"#, token: alice)
            #expect(created.status == .created)
            #expect(created.text == #"{"room":{"name":"kkbox","topic":"food","members":1,"head":1}}"#)
            #expect(try await client.call(.post, "/api/v1/rooms", #"{"name":"abc"}"#, token: bob).text == #"{"room":{"name":"abc","topic":"","members":1,"head":1}}"#)
            #expect(try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: bob).errorCode == "room_exists")
            #expect(try await client.call(.post, "/api/v1/rooms", #"{"name":"KK"}"#, token: bob).errorCode == "invalid_name")
            let longTopic = String(repeating: "t", count: 201)
            #expect(try await client.call(.post, "/api/v1/rooms", #"{"name":"long","topic":"\#(longTopic)"}"#, token: bob).errorCode == "invalid_topic")
            #expect(try await client.call(.post, "/api/v1/rooms", #"{"name":"long","topic":7}"#, token: bob).errorCode == "bad_request")
            let list = try await client.call(.get, "/api/v1/rooms", token: bob)
            #expect(list.text == #"{"rooms":[{"name":"abc","topic":"","members":1,"head":1},{"name":"kkbox","topic":"food","members":1,"head":1}]}"#)
            let joined = try await client.call(.post, "/api/v1/rooms/kkbox/join", token: bob)
            #expect(joined.text == #"{"room":{"name":"kkbox","topic":"food","members":2,"head":2}}"#)
            #expect(try await client.call(.post, "/api/v1/rooms/kkbox/join", token: bob).text == joined.text)
            #expect(try await client.call(.get, "/api/v1/rooms/kkbox/members", token: alice).text == #"{"members":["alice","bob"]}"#)
            #expect(try await client.call(.get, "/api/v1/me", token: bob).text == #"{"user":{"name":"bob"},"rooms":["abc","kkbox"]}"#)
            let left = try await client.call(.post, "/api/v1/rooms/kkbox/leave", token: bob)
            #expect(left.text == #"{"room":{"name":"kkbox","topic":"food","members":1,"head":3}}"#)
            #expect(try await client.call(.post, "/api/v1/rooms/kkbox/leave", token: bob).text == left.text)
            #expect(try await client.call(.get, "/api/v1/rooms/kkbox", token: bob).text == #"{"room":{"name":"kkbox","topic":"food","members":1,"head":3}}"#)
            for path in ["/api/v1/rooms/nowhere", "/api/v1/rooms/nowhere/members", "/api/v1/rooms/nowhere/events"] {
                let answer = try await client.call(.get, path, token: bob)
                #expect(answer.status == .notFound && answer.errorCode == "room_not_found", "\(path)")
            }
            #expect(try await client.call(.post, "/api/v1/rooms/nowhere/join", token: bob).errorCode == "room_not_found")
            #expect(try await client.call(.post, "/api/v1/rooms/nowhere/join").errorCode == "unauthorized")
            #expect(try await client.call(.get, "/api/v1/rooms/nowhere").errorCode == "unauthorized")
        }
    }

    @Test("messages: 201 with seq and roomSeq; a repeated id gives the first result; bad input and strangers are refused")
    func messages() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            let alice = try await client.user("alice")
            let bob = try await client.user("bob")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
            let posted = try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"肚子餓了吃啥 ?","id":"c-19"}"#, token: alice)
            #expect(posted.status == .created)
            #expect(posted.text == #"{"seq":6,"roomSeq":2}"#)
            #expect(try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"other","id":"c-19"}"#, token: alice).text == posted.text)
            #expect(try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"no id"}"#, token: alice).text == #"{"seq":7,"roomSeq":3}"#)
            let cases: [(String, String, HTTPResponse.Status)] = [
                (#"{"body":""}"#, "invalid_body", .badRequest),
                (#"{"body":"a\ud800b"}"#, "invalid_body", .badRequest),
                (#"{"body":"\#(String(repeating: "x", count: 4001))"}"#, "invalid_body", .badRequest),
                (#"{"body":"x","id":""}"#, "invalid_id", .badRequest),
                (#"{"body":"x","id":"a b"}"#, "invalid_id", .badRequest),
                (#"{"body":7}"#, "bad_request", .badRequest),
                (#"{"id":"x"}"#, "bad_request", .badRequest),
            ]
            for (body, code, status) in cases {
                let answer = try await client.call(.post, "/api/v1/rooms/kkbox/messages", body, token: alice)
                #expect(answer.status == status && answer.errorCode == code, "\(body)")
            }
            let stranger = try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"hi"}"#, token: bob)
            #expect(stranger.status == .forbidden && stranger.errorCode == "not_a_member")
            #expect(try await client.call(.post, "/api/v1/rooms/nowhere/messages", #"{"body":"hi"}"#, token: bob).errorCode == "room_not_found")
            #expect(try await client.call(.get, "/api/v1/rooms/kkbox", token: alice).json["room"].map { ($0 as? [String: Any])?["head"] as? Int } == 3)
        }
    }

    @Test("history pages: after, before, latest, ascending; bad parameters are bad_request")
    func history() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            let alice = try await client.user("alice")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
            for index in 1...12 { try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(index)"}"#, token: alice) }
            func roomSeqs(_ answer: Answer) -> [Int] { (answer.json["events"] as? [[String: Any]] ?? []).compactMap { $0["roomSeq"] as? Int } }
            let after = try await client.call(.get, "/api/v1/rooms/kkbox/events?after=3&limit=4", token: alice)
            #expect(roomSeqs(after) == [4, 5, 6, 7])
            #expect(after.json["head"] as? Int == 13)
            #expect((after.json["epoch"] as? String) == gateway.store.epoch)
            #expect(roomSeqs(try await client.call(.get, "/api/v1/rooms/kkbox/events?before=4&limit=10", token: alice)) == [1, 2, 3])
            #expect(roomSeqs(try await client.call(.get, "/api/v1/rooms/kkbox/events?limit=2", token: alice)) == [12, 13])
            #expect(roomSeqs(try await client.call(.get, "/api/v1/rooms/kkbox/events", token: alice)) == Array(1...13))
            let first = try #require((try await client.call(.get, "/api/v1/rooms/kkbox/events?limit=1", token: alice).json["events"] as? [[String: Any]])?.first)
            #expect(first["type"] as? String == "message.posted" && first["body"] as? String == "m12" && first["seq"] as? Int == 15)
            for query in ["limit=0", "limit=501", "limit=x", "after=-1", "after=1&before=5", "before=1.5"] {
                let answer = try await client.call(.get, "/api/v1/rooms/kkbox/events?\(query)", token: alice)
                #expect(answer.status == .badRequest && answer.errorCode == "bad_request", "\(query)")
            }
        }
    }

    @Test("a session over its message rate gets 429 rate_limited")
    func sendRateLimit() async throws {
        let gateway = try GatewayHarness { $0.sendBurstMessages = 3; $0.sendsPerSecond = 0.01 }
        defer { gateway.close() }
        try await gateway.run { client in
            let alice = try await client.user("alice")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
            for index in 0..<3 { #expect(try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(index)"}"#, token: alice).status == .created) }
            let limited = try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"one too many"}"#, token: alice)
            #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited")
            #expect(try gateway.store.room(named: "kkbox")?.head == 4)
        }
    }

    @Test("health, readiness and metrics")
    func health() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            #expect(try await client.call(.get, "/healthz").status == .ok)
            #expect(try await client.call(.get, "/readyz").status == .ok)
            try await client.call(.post, "/api/v1/register", #"{"name":"alice","password":"correct horse"}"#)
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("roomlog_events_appended_total 1"))
            for name in ["roomlog_websocket_connections", "roomlog_subscriptions", "roomlog_commit_batch_commands_bucket", "roomlog_deliveries_total",
                         "roomlog_outbox_overflows_total", "roomlog_tail_lag_events", "roomlog_tail_lag_seconds", "roomlog_http_request_duration_seconds_bucket"] {
                #expect(metrics.text.contains(name), "\(name)")
            }
            #expect(try await client.call(.get, "/no/such/route").errorCode == "not_found")
            let page = try await client.call(.get, "/")
            #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("<title>Roomlog</title>") && page.text.contains(#"<script src="/app.js""#))
            // Only this origin's files run: no inline script, style or event handler for the policy to allow.
            #expect(page.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self';") == true)
            #expect(!page.text.contains("<style") && !page.text.contains(" style=") && page.text.components(separatedBy: "<script").count == 2)
            #expect(page.text.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil)
            let script = try await client.call(.get, "/app.js")
            #expect(script.status == .ok && script.headers[.contentType]?.hasPrefix("text/javascript") == true && script.text.contains("/api/v1/ws?batch=1"))
            #expect(script.text.range(of: #"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\("#, options: .regularExpression) == nil)
            #expect(try await client.call(.get, "/app.css").headers[.contentType]?.hasPrefix("text/css") == true)
        }
    }

    @Test("a cookie-authenticated POST needs a JSON body (415) and, with an Origin, an allowed one (403); a bearer one does not")
    func cookieRequests() async throws {
        let gateway = try GatewayHarness { $0.allowedOrigins = ["https://chat.example"] }
        defer { gateway.close() }
        try await gateway.run { client in
            let token = try await client.user("alice")
            let cookie: HTTPFields = [.cookie: "roomlog_session=\(token)"]
            func post(_ name: String, _ extra: HTTPFields, token: String? = nil) async throws -> Answer {
                try await client.call(.post, "/api/v1/rooms", #"{"name":"\#(name)"}"#, token: token, headers: extra)
            }
            func with(_ fields: HTTPFields, _ more: HTTPFields) -> HTTPFields { fields + more }
            let plain = try await post("a", with(cookie, [.contentType: "text/plain"]))
            #expect(plain.status == .unsupportedMediaType && plain.errorCode == "unsupported_media_type")
            let foreign = try await post("b", with(cookie, [.origin: "https://evil.example"]))
            #expect(foreign.status == .forbidden && foreign.errorCode == "origin_refused")
            #expect(try await post("c", with(cookie, [.origin: "https://chat.example"])).status == .created)
            #expect(try await post("d", with(cookie, [.origin: "http://localhost"])).status == .created)  // the test client's Host
            #expect(try await post("e", cookie).status == .created)
            #expect(try await post("f", [.contentType: "text/plain", .origin: "https://evil.example"], token: token).status == .created)
            let anonymous = try await post("g", [.contentType: "text/plain", .origin: "https://evil.example"])
            #expect(anonymous.status == .unauthorized, "401 comes before any other check")
        }
    }

    @Test("the room list comes in pages by name, with next naming where the following page starts")
    func roomPages() async throws {
        let gateway = try GatewayHarness { $0.roomListPageRoomsMax = 3; $0.roomsCreatedPerWindow = 100 }
        defer { gateway.close() }
        try await gateway.run { client in
            let token = try await client.user("alice")
            for name in ["e", "a", "d", "c", "b"] { try await client.call(.post, "/api/v1/rooms", #"{"name":"\#(name)"}"#, token: token) }
            let first = try await client.call(.get, "/api/v1/rooms", token: token)
            #expect((first.json["rooms"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["a", "b", "c"])
            #expect(first.json["next"] as? String == "c")
            let second = try await client.call(.get, "/api/v1/rooms?after=c", token: token)
            #expect((second.json["rooms"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["d", "e"])
            #expect(second.json["next"] == nil)
            let small = try await client.call(.get, "/api/v1/rooms?after=a&limit=1", token: token)
            #expect((small.json["rooms"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["b"] && small.json["next"] as? String == "b")
            for bad in ["limit=0", "limit=4", "limit=x", "after="] {
                #expect(try await client.call(.get, "/api/v1/rooms?\(bad)", token: token).status == .badRequest, "\(bad)")
            }
        }
    }

    @Test("a room name in a path that could not exist is invalid_name, before anything is looked up")
    func pathNames() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.run { client in
            let token = try await client.user("alice")
            let long = String(repeating: "r", count: 600)
            for path in ["/api/v1/rooms/\(long)", "/api/v1/rooms/Kkbox/members", "/api/v1/rooms/\(long)/events", "/api/v1/rooms/%00/join"] {
                let method: HTTPRequest.Method = path.hasSuffix("join") ? .post : .get
                let answer = try await client.call(method, path, token: token)
                #expect(answer.status == .badRequest && answer.errorCode == "invalid_name", "\(path)")
            }
            let post = try await client.call(.post, "/api/v1/rooms/\(long)/messages", #"{"body":"x"}"#, token: token)
            #expect(post.errorCode == "invalid_name")
        }
    }
}
