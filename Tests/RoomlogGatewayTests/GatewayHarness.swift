import Foundation
import Logging
import Testing
import Hummingbird
import HummingbirdTesting
import RoomlogAuth
import RoomlogCore
@testable import RoomlogGateway
import RoomlogStore

/// One HTTP answer, with its JSON body parsed.
struct Answer {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// A wall clock that tests move by hand, starting at the real time.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now = LogWriter.systemClock()

    var clock: LogWriter.Clock { { [self] in lock.withLock { now } } }

    func advance(milliseconds: Int64) {
        lock.withLock { now = now.adding(milliseconds: milliseconds) }
    }
}

/// A gateway over a fresh temporary log, driven in-process through Hummingbird's router test client.
struct GatewayHarness {
    let directory: String
    let store: Store
    let writer: LogWriter
    let services: GatewayServices
    /// The gateway's wall clock (session lifetimes, rate limits).
    let time = ManualClock()

    init(_ adjust: (inout GatewayConfiguration) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-gateway-\(UUID().uuidString)").path
        var storeConfiguration = StoreConfiguration(directory: directory)
        storeConfiguration.environment.durable = false
        store = try Store(configuration: storeConfiguration)
        writer = LogWriter(store: store)
        var configuration = GatewayConfiguration()
        configuration.allowedOrigins = ["ws://127.0.0.1"]  // the WebSocket client library always sends Origin ws://HOST
        adjust(&configuration)
        var auth = AuthConfiguration()
        auth.bcryptCost = 4
        services = try GatewayServices(store: store, writer: writer, configuration: configuration, auth: auth, clock: time.clock)
    }

    func close() {
        writer.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a client of the router.
    func run(_ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let app = Application(router: Gateway.router(services))
        try await app.test(.router) { client in try await body(Client(client: client)) }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol

        @discardableResult
        func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, token: String? = nil, headers extra: HTTPFields = [:]) async throws -> Answer {
            var headers = extra
            if let token { headers[.authorization] = "Bearer \(token)" }
            if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
            return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
        }

        /// Registers and logs in `owner` and `members`, has the owner create `room` and the members join it;
        /// returns the tokens, the owner's first.
        func room(_ room: String, owner: String, members: [String]) async throws -> [String] {
            let tokens = [try await user(owner)] + (try await members.asyncMap { try await user($0) })
            try await call(.post, "/api/v1/rooms", #"{"name":"\#(room)"}"#, token: tokens[0])
            for token in tokens.dropFirst() { try await call(.post, "/api/v1/rooms/\(room)/join", token: token) }
            return tokens
        }

        /// Registers and logs in `name`; returns the token.
        func user(_ name: String) async throws -> String {
            try await call(.post, "/api/v1/register", #"{"name":"\#(name)","password":"password-of-\#(name)"}"#)
            let login = try await call(.post, "/api/v1/login", #"{"name":"\#(name)","password":"password-of-\#(name)"}"#)
            return login.json["token"] as? String ?? ""
        }
    }
}

extension GatewayHarness {
    /// Runs the whole gateway (HTTP, WebSocket, broadcast) on a free port of 127.0.0.1 for `body`.
    func runLive(_ body: @escaping @Sendable (Client, Int) async throws -> Void) async throws {
        var logger = Logger(label: "roomlog-test")
        logger.logLevel = .warning
        let app = Gateway.application(services, logger: logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await body(Client(client: client), port)
        }
    }
}

extension Array {
    /// `transform` applied to each element in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
