import Foundation
import Glibc
import Testing
import RoomlogTestSupport

/// Each abuse of issue 10, tried against the built `roomlog serve` as an attacker would: it meets its limit, and
/// nobody else loses anything.
@Suite("Hostile clients against a gateway process", .serialized)
struct HostileClientTests {
    /// Sends and joins without rate limits, for the tests that flood on purpose.
    static let unlimited = ["--sends-per-second", "100000", "--send-burst", "100000", "--memberships-per-second", "100000", "--membership-burst", "100000"]

    func withGateway(_ arguments: [String] = [], environment: [String: String] = [:], _ body: (GatewayProcess, String) async throws -> Void) async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let gateway = try await GatewayProcess(data: data, arguments: arguments, environment: environment)
        try await body(gateway, data)
        _ = try await gateway.stop()
    }

    /// Every record of the log in `data`, as JSON objects.
    func records(_ data: String) async throws -> [[String: Any]] {
        let tail = try await run("roomlog", ["tail", "--data", data, "--from", "1"])
        return tail.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("frames naming the room \"\" are invalid_name, and another client's sends meanwhile are all acknowledged")
    func emptyRoomNames() async throws {
        try await withGateway(Self.unlimited) { gateway, _ in
            let mallory = try await gateway.user("mallory")
            let bob = try await gateway.user("bob")
            #expect(try await gateway.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: bob).status == 201)
            let attacker = try RawSocket(port: gateway.port, token: mallory, receiveBufferBytes: 1 << 20)
            for index in 0..<300 {
                let type = ["join", "leave", "send"][index % 3]
                try attacker.send(#"{"type":"\#(type)","room":"","body":"x","id":"m\#(index)"}"#)
            }
            try await Socket.open(port: gateway.port, token: bob) { socket in
                _ = try await socket.expect()
                for index in 0..<100 { try await socket.send(#"{"type":"send","room":"kkbox","body":"b\#(index)","id":"b\#(index)"}"#) }
                var acks = 0
                while acks < 100 {
                    let frame = try await socket.expect()
                    #expect(frame["type"] as? String == "ack")
                    acks += 1
                }
            }
            let errors = try attacker.readTexts { $0.count == 301 }.dropFirst()
            #expect(errors.allSatisfy { $0.contains(#""code":"invalid_name""#) })
        }
    }

    @Test("a socket whose session logs out appends nothing after session.closed, however many sends it had in flight")
    func logoutStopsAppends() async throws {
        try await withGateway(Self.unlimited) { gateway, data in
            let alice = try await gateway.user("alice")
            #expect(try await gateway.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice).status == 201)
            let socket = try RawSocket(port: gateway.port, token: alice, receiveBufferBytes: 4096)
            for index in 0..<2000 { try socket.send(#"{"type":"send","room":"kkbox","body":"m\#(index)","id":"a\#(index)"}"#) }
            #expect(try await gateway.call("POST", "/api/v1/logout", token: alice).status == 204)
            #expect(try await gateway.call("GET", "/api/v1/me", token: alice).status == 401)
            for index in 2000..<3000 { guard (try? socket.send(#"{"type":"send","room":"kkbox","body":"m\#(index)","id":"a\#(index)"}"#)) != nil else { break } }
            await pause(milliseconds: 500)
            let log = try await records(data)
            let closed = try #require(log.first { $0["type"] as? String == "session.closed" }?["seq"] as? Int)
            let posted = log.filter { $0["type"] as? String == "message.posted" }.compactMap { $0["seq"] as? Int }
            #expect(!posted.isEmpty && posted.allSatisfy { $0 < closed })
        }
    }

    @Test("a client that sends and never reads is closed with 1013; the gateway's memory stays bounded")
    func repliesAreBounded() async throws {
        try await withGateway { gateway, _ in
            let alice = try await gateway.user("alice")
            let before = gateway.residentKilobytes
            let socket = try RawSocket(port: gateway.port, token: alice, receiveBufferBytes: 4096)
            var sent = 0
            while sent < 300_000, (try? socket.send("{}")) != nil { sent += 1 }
            // The gateway works through what was sent while this client reads nothing, until its outbox is full.
            var overflows = ""
            for _ in 0..<100 where !overflows.contains("roomlog_outbox_overflows_total 1") {
                await pause(milliseconds: 100)
                overflows = try String(contentsOf: URL(string: "http://127.0.0.1:\(gateway.port)/metrics")!, encoding: .utf8)
            }
            #expect(overflows.contains("roomlog_outbox_overflows_total 1"))
            #expect(gateway.residentKilobytes - before < 100_000)
        }
    }

    @Test("a login flood of 60 KB names from many addresses neither resets a locked-out name nor grows the gateway")
    func loginFlood() async throws {
        try await withGateway(["--trusted-proxy", "127.0.0.1"]) { gateway, _ in
            _ = try await gateway.user("alice")
            func login(_ name: String, _ password: String, from address: String) async throws -> Int {
                try await gateway.call("POST", "/api/v1/login", #"{"name":"\#(name)","password":"\#(password)"}"#,
                                       headers: ["X-Forwarded-For": address]).status
            }
            // The login of gateway.user was the name's first attempt of the minute: nine more fail, the eleventh is refused.
            for index in 0..<9 { #expect(try await login("alice", "wrong password", from: "10.0.0.\(index)") == 401) }
            #expect(try await login("alice", "wrong password", from: "10.0.0.9") == 429)
            let before = gateway.residentKilobytes
            let junk = String(repeating: "n", count: 60_000)
            for index in 0..<1500 {
                #expect(try await login(junk + "\(index)", "whatever it is", from: "10.1.\(index / 200).\(index % 200)") == 401)
            }
            for index in 0..<30 {
                let status = try await login(junk + "x\(index)", "whatever it is", from: "10.2.0.1")
                #expect(status == (index < 10 ? 401 : 429))
            }
            #expect(gateway.residentKilobytes - before < 50_000)
            #expect(try await login("alice", "password-of-alice", from: "10.3.0.1") == 429)
        }
    }

    @Test("registrations, room creations and joins/leaves are rate limited, each refusal naming its limit")
    func actionLimits() async throws {
        try await withGateway { gateway, _ in
            let alice = try await gateway.user("alice")
            for index in 0..<19 {
                #expect(try await gateway.call("POST", "/api/v1/register", #"{"name":"u\#(index)","password":"long enough"}"#).status == 201)
            }
            let registration = try await gateway.call("POST", "/api/v1/register", #"{"name":"u99","password":"long enough"}"#)
            #expect(registration.status == 429 && "\(registration.json)".contains("registrations-per-minute"))
            for index in 0..<10 {
                #expect(try await gateway.call("POST", "/api/v1/rooms", #"{"name":"r\#(index)"}"#, token: alice).status == 201)
            }
            let creation = try await gateway.call("POST", "/api/v1/rooms", #"{"name":"r99"}"#, token: alice)
            #expect(creation.status == 429 && "\(creation.json)".contains("rooms-created-per-minute"))
            let socket = try RawSocket(port: gateway.port, token: alice, receiveBufferBytes: 1 << 20)
            for index in 0..<40 { try socket.send(#"{"type":"\#(index % 2 == 0 ? "leave" : "join")","room":"r1"}"#) }
            let replies = try socket.readTexts { $0.count == 41 }.dropFirst()
            let limited = replies.filter { $0.contains(#""code":"rate_limited""#) && $0.contains("memberships-per-second") }
            #expect(limited.count >= 15 && limited.count <= 20)
            #expect(try await gateway.call("POST", "/api/v1/rooms/r1/join", token: alice).status == 429)
        }
    }

    @Test("SIGTERM ends the gateway within its grace, with a WebSocket that never reads and a half-sent request head; acknowledged messages stay")
    func shutdownWithinGrace() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let gateway = try await GatewayProcess(data: data, arguments: ["--shutdown-grace-seconds", "3"] + Self.unlimited)
        let alice = try await gateway.user("alice")
        #expect(try await gateway.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice).status == 201)
        let reader = try RawSocket(port: gateway.port, token: alice, receiveBufferBytes: 4096)
        try reader.send(#"{"type":"subscribe","room":"kkbox"}"#)
        for index in 0..<300 {
            let body = String(repeating: "p", count: 500)
            #expect(try await gateway.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"\#(body)","id":"p\#(index)"}"#, token: alice).status == 201)
        }
        let half = try PlainSocket(port: gateway.port)
        half.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        let started = Date()
        gateway.child.signal(SIGTERM)
        _ = try await gateway.child.waitForExit(seconds: 20)
        #expect(Date().timeIntervalSince(started) < 4.5)  // the grace (3 s), and the child's exit on a busy machine
        let replay = try await run("roomlog", ["replay", "kkbox", "--data", data, "--json"])
        #expect(replay.lines.filter { $0.contains(#""type":"message.posted""#) }.count == 300)
        _ = reader
    }

    @Test("a request head must arrive within its timeout; an idle connection is closed; past connections-max a connection is closed at once")
    func timeoutsAndCaps() async throws {
        let environment = ["ROOMLOG_IDLE_TIMEOUT_SECONDS": "1", "ROOMLOG_CONNECTIONS_MAX": "4"]
        try await withGateway(["--request-head-timeout-seconds", "1"], environment: environment) { gateway, _ in
            let half = try PlainSocket(port: gateway.port)
            half.send("GET /healthz HTTP/1.1\r\n")
            let started = Date()
            let headTimeout = half.readUntilClosed(seconds: 5)
            #expect(headTimeout.closed && headTimeout.text.isEmpty && Date().timeIntervalSince(started) > 0.8)
            let idle = try PlainSocket(port: gateway.port)
            idle.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answered = idle.readUntilClosed(seconds: 5)
            #expect(answered.closed && answered.text.hasPrefix("HTTP/1.1 200"))
            let held = try (0..<4).map { _ in try PlainSocket(port: gateway.port) }
            let refused = try PlainSocket(port: gateway.port)
            let early = refused.readUntilClosed(seconds: 0.5)
            #expect(early.closed && early.text.isEmpty)
            _ = held
        }
    }

    @Test("a WebSocket silent for two ping intervals is closed with 1008; one whose client keeps talking stays open")
    func liveness() async throws {
        try await withGateway(["--ping-interval-seconds", "1"]) { gateway, _ in
            let alice = try await gateway.user("alice")
            let silent = try RawSocket(port: gateway.port, token: alice)
            let started = Date()
            #expect(silent.readToEnd() == 1008)
            #expect(Date().timeIntervalSince(started) < 5)
            try await Socket.open(port: gateway.port, token: alice) { socket in
                _ = try await socket.expect()
                for _ in 0..<7 {
                    await pause(milliseconds: 500)
                    try await socket.send(#"{"type":"unsubscribe","room":"kkbox"}"#)
                    #expect(try await socket.expect()["type"] as? String == "unsubscribed")
                }
            }
        }
    }

    @Test("a session may hold sockets-per-session-max WebSockets; the next upgrade is 429 until one closes")
    func socketsPerSession() async throws {
        try await withGateway(["--sockets-per-session-max", "2"]) { gateway, _ in
            let alice = try await gateway.user("alice")
            var sockets = [try RawSocket(port: gateway.port, token: alice), try RawSocket(port: gateway.port, token: alice)]
            let refused = #expect(throws: SocketError.self) { try RawSocket(port: gateway.port, token: alice) }
            #expect(refused?.description.contains("HTTP/1.1 429") == true && refused?.description.contains("sockets-per-session-max") == true)
            sockets.removeFirst()
            await pause(milliseconds: 300)
            sockets.append(try RawSocket(port: gateway.port, token: alice))
            #expect(sockets.count == 2)
        }
    }
}
