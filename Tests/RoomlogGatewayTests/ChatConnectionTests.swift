import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import RoomlogAuth
import RoomlogCore
import RoomlogTestSupport
import Testing
@testable import RoomlogGateway
import RoomlogStore

/// A `ChatConnection` in a testing channel, without a socket: frames in, frames out, time advanced by hand.
final class ChatChannel: @unchecked Sendable {
    let gateway: GatewayHarness
    let channel = NIOAsyncTestingChannel()
    private var unread: [UInt8] = []

    /// A connection of a session of `alice`, a member of `kkbox`.
    init(_ adjust: (inout GatewayConfiguration) -> Void = { _ in }) async throws {
        gateway = try GatewayHarness(adjust)
        let accounts = gateway.services.accounts
        _ = try await accounts.register(name: "alice", password: "alice's password")
        let login = try await accounts.login(name: "alice", password: "alice's password")
        _ = try await gateway.writer.append(.createRoom(user: "alice", room: "kkbox", topic: ""))
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
        let (channel, services) = (channel, gateway.services)
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            try RoomlogChildChannel.addChatHandlers(channel, session: login.session, deflate: false, services: services)
        }
    }

    func close() async {
        _ = try? await channel.finish()
        gateway.close()
    }

    /// Sends a client text frame.
    func send(_ text: String) async throws {
        try await send(.text, text)
    }

    /// Sends a client frame.
    func send(_ opcode: WebSocketOpcode, _ text: String) async throws {
        try await channel.writeInbound(WebSocketFrame(fin: true, opcode: opcode, data: ByteBuffer(string: text)))
    }

    /// The next frame the server wrote: its opcode and payload; throws if none comes within 5 s.
    func next() async throws -> (opcode: UInt8, payload: [UInt8]) {
        for _ in 0..<1000 {
            if let (opcode, payload, length) = RawSocket.frame(in: unread) {
                unread.removeFirst(length)
                return (opcode, Array(payload))
            }
            await channel.testingEventLoop.run()  // the tasks the connection queued: its flush at the end of the tick
            if var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                unread += buffer.readBytes(length: buffer.readableBytes) ?? []
            } else {
                await pause(milliseconds: 5)
            }
        }
        throw SocketError(description: "no frame from the server within 5 s")
    }

    /// The next text frame as JSON.
    func nextJSON() async throws -> [String: Any] {
        let frame = try await next()
        #expect(frame.opcode == 0x1)
        return try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any] ?? [:]
    }

    /// The code of the next frame, which must be a close frame.
    func nextCloseCode() async throws -> Int? {
        let frame = try await next()
        guard frame.opcode == 0x8, frame.payload.count >= 2 else { return nil }
        return Int(frame.payload[0]) << 8 | Int(frame.payload[1])
    }
}

@Suite("Chat connection without a socket")
struct ChatConnectionTests {
    @Test("hello on open; a send is acked; the client's close is answered and nothing after it is dispatched")
    func conversation() async throws {
        let chat = try await ChatChannel()
        defer { Task { await chat.close() } }
        #expect(try await chat.nextJSON()["type"] as? String == "hello")
        try await chat.send(#"{"type":"subscribe","room":"kkbox"}"#)
        #expect(try await chat.nextJSON()["type"] as? String == "subscribed")
        try await chat.send(#"{"type":"send","room":"kkbox","body":"hi","id":"c-1"}"#)
        #expect(try await chat.nextJSON()["type"] as? String == "ack")
        let head = try chat.gateway.store.head()
        var goodbye = ByteBuffer()
        goodbye.writeInteger(UInt16(1000))
        try await chat.channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: goodbye))
        #expect(try await chat.nextCloseCode() == 1000)
        try await chat.send(#"{"type":"send","room":"kkbox","body":"after the close","id":"c-2"}"#)
        await pause(milliseconds: 50)
        #expect(try chat.gateway.store.head() == head)
    }

    @Test("once the server starts closing (here 1013), no later frame is dispatched while it waits for the peer's close")
    func closingDispatchesNothing() async throws {
        let chat = try await ChatChannel()
        defer { Task { await chat.close() } }
        _ = try await chat.nextJSON()
        let head = try chat.gateway.store.head()
        try await chat.channel.testingEventLoop.executeInContext { chat.channel.isWritable = false }
        try await chat.send("{}")
        #expect(try await chat.nextCloseCode() == 1013)
        try await chat.channel.testingEventLoop.executeInContext { chat.channel.isWritable = true }
        for index in 0..<5 { try await chat.send(#"{"type":"send","room":"kkbox","body":"late","id":"l-\#(index)"}"#) }
        await pause(milliseconds: 50)
        #expect(chat.channel.isActive)
        #expect(try chat.gateway.store.head() == head)
    }

    @Test("replies count against the outbox: with it full, an error reply closes the connection with 1013")
    func repliesAreBounded() async throws {
        let chat = try await ChatChannel()
        defer { Task { await chat.close() } }
        _ = try await chat.nextJSON()
        try await chat.channel.testingEventLoop.executeInContext { chat.channel.isWritable = false }
        try await chat.send("{}")
        #expect(try await chat.nextCloseCode() == 1013)
    }

    @Test("the server pings each interval; a peer silent for two intervals is closed; pings are answered with pongs")
    func liveness() async throws {
        let chat = try await ChatChannel { $0.pingIntervalMilliseconds = 1000 }
        defer { Task { await chat.close() } }
        let loop = chat.channel.testingEventLoop
        _ = try await chat.nextJSON()
        try await chat.send(.ping, "are you there")
        let pong = try await chat.next()
        #expect(pong.opcode == 0xA && pong.payload == Array("are you there".utf8))
        await loop.advanceTime(by: .milliseconds(1000))  // ticks at 500 and 1000: one ping
        #expect(try await chat.next().opcode == 0x9)
        try await chat.send(.pong, "")
        await loop.advanceTime(by: .milliseconds(1000))  // the tick at 2,000 pings again
        #expect(try await chat.next().opcode == 0x9)
        await loop.advanceTime(by: .milliseconds(500))  // 1,500 ms of silence since the pong: still open
        #expect(chat.channel.isActive)
        await loop.advanceTime(by: .milliseconds(500))  // 2,000 ms of silence at the tick of 3,000
        #expect(try await chat.nextCloseCode() == 1008)
        #expect(!chat.channel.isActive)
    }

    @Test("a peer that never answers the server's close frame is dropped after the close timeout")
    func closeTimeout() async throws {
        let chat = try await ChatChannel { $0.frameBytesMax = 256; $0.closeTimeoutMilliseconds = 5000 }
        defer { Task { await chat.close() } }
        _ = try await chat.nextJSON()
        try await chat.send(String(repeating: "x", count: 300))
        #expect(try await chat.nextCloseCode() == 1009)
        await chat.channel.testingEventLoop.advanceTime(by: .milliseconds(4900))
        #expect(chat.channel.isActive)
        await chat.channel.testingEventLoop.advanceTime(by: .milliseconds(200))
        #expect(!chat.channel.isActive)
    }

    @Test("a frame of a session that expired meanwhile is not dispatched: the connection closes with 4001")
    func expiredSession() async throws {
        let chat = try await ChatChannel()
        defer { Task { await chat.close() } }
        _ = try await chat.nextJSON()
        chat.gateway.time.advance(milliseconds: 8 * 24 * 3600 * 1000)
        try await chat.send(#"{"type":"send","room":"kkbox","body":"too late","id":"x"}"#)
        #expect(try await chat.nextCloseCode() == 4001)
    }
}
