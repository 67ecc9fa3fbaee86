import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import WSClient
import WSCompression

/// One WebSocket client connection driven by a test: send frames, read the server's frames as JSON.
final class Socket: @unchecked Sendable {
    private let outbound: WebSocketOutboundWriter
    private var messages: WebSocketInboundMessageStream.AsyncIterator

    init(_ outbound: WebSocketOutboundWriter, _ inbound: WebSocketInboundStream) {
        self.outbound = outbound
        messages = inbound.messages(maxSize: 1 << 24).makeAsyncIterator()
    }

    /// Sends a text frame.
    func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// Closes the connection from this side (1000); a read in progress then ends.
    func close() async throws {
        try await outbound.close(.normalClosure, reason: nil)
    }

    /// The next frame from the server as a JSON object (nil once the connection closed).
    func next() async throws -> [String: Any]? {
        guard let message = try await messages.next() else { return nil }
        guard case .text(let text) = message else { return ["binary": true] }
        return (try JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// Reads the server's hello, subscribes to `room` (live from now) and reads the answer.
    func subscribe(_ room: String) async throws {
        _ = try await expect()
        try await send(#"{"type":"subscribe","room":"\#(room)"}"#)
        _ = try await expect()
    }

    /// The next frame, which must exist.
    func expect() async throws -> [String: Any] {
        guard let frame = try await next() else { throw SocketError(description: "the connection closed") }
        return frame
    }

    /// Connects to the gateway at `port` with `token` (and `query`, such as `?batch=1`), runs `body`, and returns the close code the server sent.
    @discardableResult
    static func open(port: Int, token: String?, headers extra: HTTPFields = [:], deflate: Bool = false, query: String = "",
                     _ body: @escaping @Sendable (Socket) async throws -> Void) async throws -> UInt16? {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var logger = Logger(label: "roomlog-test-socket")
        logger.logLevel = ProcessInfo.processInfo.environment["ROOMLOG_TEST_TRACE"] == nil ? .warning : .trace
        let configuration = WebSocketClientConfiguration(additionalHeaders: headers, extensions: deflate ? [.perMessageDeflate()] : [])
        let close = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws\(query)", configuration: configuration, logger: logger) { inbound, outbound, _ in
            try await body(Socket(outbound, inbound))
        }
        if case .unknown(let code)? = close?.closeCode { return code }
        return close.map { closeCodeNumber($0.closeCode) }
    }

    static func closeCodeNumber(_ code: WebSocketErrorCode) -> UInt16 {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        return buffer.readInteger(as: UInt16.self) ?? 0
    }
}

struct SocketError: Error, CustomStringConvertible {
    let description: String
}
