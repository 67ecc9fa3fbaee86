import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import Synchronization
import Testing
import RoomlogStore
import RoomlogTestSupport

/// A `roomlog serve` child process on a free port.
final class GatewayProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int

    /// Starts `roomlog serve` on `data` with `arguments` added and `environment` (ROOMLOG_* variables) added to ours.
    init(data: String, arguments: [String] = [], environment: [String: String] = [:]) async throws {
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        child = try ChildProcess("roomlog", ["serve", "--data", data, "--port", "0", "--bcrypt-cost", "4", "--allowed-origin", "ws://127.0.0.1"] + arguments,
                                 standardInput: nil, environment: variables)
        try await child.waitFor(seconds: 30, "the gateway to listen") { $0.contains { $0.contains("roomlog: serving") } }
        let line = try #require(child.lines.first { $0.contains("roomlog: serving") })
        port = try #require(Int(line.split(separator: ":").last ?? ""))
    }

    func stop() async throws -> Int32 {
        child.signal(SIGTERM)
        return try await child.waitForExit(seconds: 30)
    }

    /// One HTTP request to this gateway; the status and the JSON body.
    func call(_ method: String, _ path: String, _ body: String? = nil, token: String? = nil,
              headers: [String: String] = [:]) async throws -> (status: Int, json: [String: Any]) {
        try await Endpoint(port: port).call(method, path, body, token: token, headers: headers)
    }

    /// The gateway's resident memory in kB, from /proc.
    var residentKilobytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(child.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func user(_ name: String) async throws -> String {
        try await Endpoint(port: port).user(name)
    }

    /// The gateway's `/metrics` text.
    func metrics() async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Plain HTTP to 127.0.0.1:`port` (a gateway or the proxy).
struct Endpoint {
    let port: Int

    /// One HTTP request (a body is sent as JSON unless `headers` say otherwise); the status and the JSON body.
    func call(_ method: String, _ path: String, _ body: String? = nil, token: String? = nil,
              headers: [String: String] = [:]) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    func user(_ name: String) async throws -> String {
        _ = try await call("POST", "/api/v1/register", #"{"name":"\#(name)","password":"password-of-\#(name)"}"#)
        return try await call("POST", "/api/v1/login", #"{"name":"\#(name)","password":"password-of-\#(name)"}"#).json["token"] as? String ?? ""
    }
}

@Suite("Gateway processes on one log", .serialized)
struct GatewayProcessTests {
    @Test("serve takes the protocol's limits from flags and ROOMLOG_* variables, and refuses a bad one with exit 2")
    func configurableLimits() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let refused = try await run("roomlog", ["serve", "--data", data, "--port", "0", "--body-scalars-max", "0"])
        #expect(refused.status == 2 && refused.errors.contains("bodyScalarsMax"))
        #expect(!FileManager.default.fileExists(atPath: data))
        let gateway = try await GatewayProcess(data: data, arguments: ["--body-scalars-max", "5", "--name-characters-max", "6"],
                                               environment: ["ROOMLOG_HISTORY_PAGE_MAX": "3", "ROOMLOG_HISTORY_PAGE_DEFAULT": "2"])
        let alice = try await gateway.user("alice")
        #expect(try await gateway.call("POST", "/api/v1/rooms", #"{"name":"toolong"}"#, token: alice).status == 400)
        #expect(try await gateway.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice).status == 201)
        #expect(try await gateway.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"12345"}"#, token: alice).status == 201)
        let long = try await gateway.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"123456"}"#, token: alice)
        #expect(long.status == 400 && (long.json["error"] as? [String: Any])?["code"] as? String == "invalid_body")
        #expect(try await gateway.call("GET", "/api/v1/rooms/kkbox/events?limit=4", token: alice).status == 400)
        #expect(try await gateway.call("GET", "/api/v1/rooms/kkbox/events?limit=3", token: alice).status == 200)
        #expect(try await gateway.stop() == 0)
    }

    @Test("two gateways: a message sent on one reaches a subscriber on the other; logout on one closes the socket on the other with 4001")
    func twoGateways() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let a = try await GatewayProcess(data: data)
        let b = try await GatewayProcess(data: data)
        let alice = try await a.user("alice")
        let bob = try await b.user("bob")
        #expect(try await a.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice).status == 201)
        #expect(try await b.call("POST", "/api/v1/rooms/kkbox/join", token: bob).status == 200)
        let code = try await Socket.open(port: b.port, token: bob) { socket in
            _ = try await socket.expect()
            try await socket.send(#"{"type":"subscribe","room":"kkbox"}"#)
            _ = try await socket.expect()
            let sent = try await a.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"across gateways","id":"x1"}"#, token: alice)
            #expect(sent.status == 201)
            let frame = try await socket.expect()
            let event = try #require(frame["event"] as? [String: Any])
            #expect(event["body"] as? String == "across gateways" && event["seq"] as? Int == sent.json["seq"] as? Int)
            #expect(try await a.call("POST", "/api/v1/logout", token: bob).status == 204)
            while try await socket.next() != nil {}
        }
        #expect(code == 4001)
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    @Test("SIGTERM closes every socket with 1001 and the gateway exits 0")
    func gracefulShutdown() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let gateway = try await GatewayProcess(data: data)
        let alice = try await gateway.user("alice")
        let code = try await Socket.open(port: gateway.port, token: alice) { socket in
            _ = try await socket.expect()
            gateway.child.signal(SIGTERM)
            while try await socket.next() != nil {}
        }
        #expect(code == 1001)
        #expect(try await gateway.child.waitForExit(seconds: 30) == 0)
    }

    @Test("one name registered on two gateways at once: exactly one 201")
    func concurrentRegistration() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let a = try await GatewayProcess(data: data)
        let b = try await GatewayProcess(data: data)
        for round in 0..<5 {
            async let first = a.call("POST", "/api/v1/register", #"{"name":"carol\#(round)","password":"password-1"}"#)
            async let second = b.call("POST", "/api/v1/register", #"{"name":"carol\#(round)","password":"password-2"}"#)
            let statuses = [try await first.status, try await second.status].sorted()
            #expect(statuses == [201, 409])
        }
        _ = try await a.stop()
        _ = try await b.stop()
        let store = try Store(configuration: StoreConfiguration(directory: data))
        #expect(try store.verify().isSound)
    }

    @Test("SIGKILL a gateway while a client sends; after a restart every acknowledged message is in the history exactly once")
    func crash() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await GatewayProcess(data: data)
        let alice = try await first.user("alice")
        _ = try await first.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
        var acknowledged: Set<Int> = []
        var index = 0
        while index < 200 {
            if index == 30 { first.child.kill() }
            guard let answer = try? await first.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(index)","id":"m\#(index)"}"#, token: alice),
                  answer.status == 201 else { break }
            acknowledged.insert(index)
            index += 1
        }
        _ = try await first.child.waitForExit()
        #expect(acknowledged.count >= 30)
        let second = try await GatewayProcess(data: data)
        for retry in 0..<40 {
            let answer = try await second.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(retry)","id":"m\#(retry)"}"#, token: alice)
            #expect(answer.status == 201)
        }
        let history = try await second.call("GET", "/api/v1/rooms/kkbox/events?limit=500", token: alice)
        let ids = (history.json["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.count == Set(ids).count)
        for index in acknowledged { #expect(ids.contains("m\(index)")) }
        #expect(Set(ids) == Set((0..<max(40, acknowledged.count)).map { "m\($0)" }))
        #expect(try await second.stop() == 0)
    }
}

/// A real nginx in front of gateways, from the repository's template.
final class ProxyProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let prefix: String

    init(upstreams: [Int]) async throws {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let nginx else { throw SocketError(description: "nginx is not installed (Tools/setup.sh installs it)") }
        prefix = temporaryDataDirectory()
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        port = try Self.freePort()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let template = try String(contentsOf: root.appendingPathComponent("Tools/nginx/roomlog.conf.template"), encoding: .utf8)
        let configuration = template
            .replacingOccurrences(of: "@PREFIX@", with: prefix)
            .replacingOccurrences(of: "@LISTEN@", with: "127.0.0.1:\(port)")
            .replacingOccurrences(of: "@UPSTREAMS@", with: upstreams.map { "server 127.0.0.1:\($0) max_fails=0;" }.joined(separator: " "))
        try configuration.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        child = try ChildProcess(nginx, ["-p", prefix, "-c", prefix + "/nginx.conf", "-g", "daemon off;"])
        let deadline = Date().addingTimeInterval(15)
        while (try? await Endpoint(port: port).raw("/nginx-health")) != 200 {
            guard Date() < deadline, child.process.isRunning else { throw SocketError(description: "nginx did not start: \(child.standardError)") }
            await pause(milliseconds: 50)
        }
    }

    func stop() async throws {
        child.signal(SIGTERM)
        _ = try await child.waitForExit(seconds: 15)
        try? FileManager.default.removeItem(atPath: prefix)
    }

    /// A port that was free a moment ago.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw SocketError(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension Endpoint {
    /// The status of a GET.
    func raw(_ path: String) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}

@Suite("Gateways behind nginx", .serialized)
struct ProxyTests {
    @Test("through a real nginx, 60 users register and log in 8 at a time: every request is answered, none 502")
    func concurrentRequests() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let limits = ["--registrations-per-minute", "1000", "--login-attempts-per-minute", "1000"]
        let a = try await GatewayProcess(data: data, arguments: limits)
        let b = try await GatewayProcess(data: data, arguments: limits)
        let proxy = try await ProxyProcess(upstreams: [a.port, b.port])
        let front = Endpoint(port: proxy.port)
        var statuses: [Int: Int] = [:]
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for lane in 0..<8 {
                group.addTask {
                    var statuses: [Int] = []
                    for index in stride(from: lane, to: 60, by: 8) {
                        let body = #"{"name":"user\#(index)","password":"password of \#(index)"}"#
                        statuses.append(try await front.call("POST", "/api/v1/register", body).status)
                        statuses.append(try await front.call("POST", "/api/v1/login", body).status)
                    }
                    return statuses
                }
            }
            for try await lane in group { for status in lane { statuses[status, default: 0] += 1 } }
        }
        #expect(statuses == [201: 60, 200: 60])
        try await proxy.stop()
        _ = try await a.stop()
        _ = try await b.stop()
    }

    @Test("through a real nginx: register, log in, a WebSocket and messages pass across two gateways")
    func throughNginx() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let a = try await GatewayProcess(data: data)
        let b = try await GatewayProcess(data: data)
        let proxy = try await ProxyProcess(upstreams: [a.port, b.port])
        let front = Endpoint(port: proxy.port)
        let alice = try await front.user("alice")
        let bob = try await front.user("bob")
        #expect(try await front.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice).status == 201)
        #expect(try await front.call("POST", "/api/v1/rooms/kkbox/join", token: bob).status == 200)
        try await Socket.open(port: proxy.port, token: bob) { socket in
            _ = try await socket.expect()
            try await socket.send(#"{"type":"subscribe","room":"kkbox"}"#)
            _ = try await socket.expect()
            for index in 0..<20 {
                let sent = try await front.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"via nginx \#(index)"}"#, token: alice)
                #expect(sent.status == 201)
                let event = try await socket.expect()["event"] as? [String: Any]
                #expect(event?["body"] as? String == "via nginx \(index)" && event?["seq"] as? Int == sent.json["seq"] as? Int)
            }
        }
        try await proxy.stop()
        _ = try await a.stop()
        _ = try await b.stop()
    }

    @Test("SIGKILL the gateway a WebSocket client is on: it reconnects through nginx to the other and resumes with after, nothing lost or repeated")
    func gatewayKilled() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let gateways = [try await GatewayProcess(data: data), try await GatewayProcess(data: data)]
        let proxy = try await ProxyProcess(upstreams: gateways.map(\.port))
        let front = Endpoint(port: proxy.port)
        let alice = try await front.user("alice")
        let bob = try await front.user("bob")
        #expect(try await front.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice).status == 201)
        #expect(try await front.call("POST", "/api/v1/rooms/kkbox/join", token: bob).status == 200)
        // Alice posts 60 messages through nginx while Bob's gateway dies; a post that fails goes again with its id.
        let sender = Task {
            for index in 0..<60 {
                for _ in 0..<50 {
                    if (try? await front.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(index)","id":"m\#(index)"}"#, token: alice).status) == 201 { break }
                    await pause(milliseconds: 100)
                }
                await pause(milliseconds: 20)
            }
        }
        let seen = SeenEvents()
        let victim = Mutex<GatewayProcess?>(nil)
        do {
            try await Socket.open(port: proxy.port, token: bob) { socket in
                _ = try await socket.expect()
                // After the room's creation and Bob's join: Alice may have posted already.
                try await socket.send(#"{"type":"subscribe","room":"kkbox","after":2}"#)
                #expect(try await socket.expect()["type"] as? String == "subscribed")
                seen.start(after: 2)
                while let frame = try await socket.next() {
                    seen.add(frame)
                    guard seen.count == 10 else { continue }
                    // Bob's gateway: the one that counts one open WebSocket.
                    for gateway in gateways where try await gateway.metrics().contains("roomlog_websocket_connections 1") {
                        victim.withLock { $0 = gateway }
                        gateway.child.kill()
                    }
                }
            }
        } catch {}  // the connection may end without a close frame
        let killed = try #require(victim.withLock { $0 })
        let survivor = try #require(gateways.first { $0 !== killed })
        #expect(seen.count >= 10 && seen.count < 60)
        // Reconnect through nginx (it skips the dead gateway) and resume after the last roomSeq seen.
        var resumed = false
        nonisolated(unsafe) var resumedAfter = 0
        for _ in 0..<50 where !resumed {
            do {
                try await Socket.open(port: proxy.port, token: bob) { socket in
                    _ = try await socket.expect()
                    resumedAfter = seen.last
                    try await socket.send(#"{"type":"subscribe","room":"kkbox","after":\#(resumedAfter)}"#)
                    #expect(try await socket.expect()["type"] as? String == "subscribed")
                    #expect(try await survivor.metrics().contains("roomlog_websocket_connections 1"))
                    let watchdog = Task { await pause(milliseconds: 15_000); try? await socket.close() }
                    defer { watchdog.cancel() }
                    while seen.count < 60, let frame = try await socket.next() { seen.add(frame) }
                }
                resumed = true
            } catch {
                await pause(milliseconds: 100)
            }
        }
        await sender.value
        #expect(resumed)
        #expect(seen.ids == (0..<60).map { "m\($0)" }, "resumed after \(resumedAfter)")
        #expect(seen.inOrder)
        try await proxy.stop()
        _ = try await killed.child.waitForExit()
        _ = try await survivor.stop()
    }
}

/// The events one client saw across its connections: their message ids in order, and whether every roomSeq
/// followed the one before (no gap, no repeat).
final class SeenEvents: Sendable {
    private struct State {
        var last = 0
        var ids: [String] = []
        var inOrder = true
    }
    private let state = Mutex(State())

    func start(after head: Int) { state.withLock { $0.last = head } }

    func add(_ frame: [String: Any]) {
        guard let event = frame["event"] as? [String: Any], let roomSeq = event["roomSeq"] as? Int else { return }
        state.withLock {
            if roomSeq != $0.last + 1 { $0.inOrder = false }
            $0.last = roomSeq
            if let id = event["id"] as? String { $0.ids.append(id) }
        }
    }

    var count: Int { state.withLock { $0.ids.count } }
    var last: Int { state.withLock { $0.last } }
    var ids: [String] { state.withLock { $0.ids } }
    var inOrder: Bool { state.withLock { $0.inOrder } }
}
