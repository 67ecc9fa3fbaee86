import NIOCore
import NIOPosix
import NIOWebSocket

/// A chat client that survives the loss of its proxy or gateway, as a real one should: one member of one room that
/// subscribes and sends at a fixed rate. When its connection drops it reconnects with backoff (100 ms doubling to
/// 1 s, with jitter), resumes the room with `subscribe` and `after` (the last `roomSeq` it saw), and sends again,
/// with the same ids, every message not yet acknowledged, so the server's id check keeps it from appending twice.
/// Messages due while it is away wait for the connection, as a user's would. It checks every event for order (a gap
/// or a repeat of `roomSeq`) and remembers the ids it got, and reports to a `DrillLedger`. It pings the server every
/// second and drops a connection it has heard nothing on for 3 s: a proxy or host that vanished without a reset (its
/// address moved away) leaves a connection that would otherwise wait for TCP's own timeouts. All of its state lives
/// on its one event loop.
final class ResumingClient: @unchecked Sendable {
    let loop: any EventLoop
    let host: String
    let port: Int
    let token: String
    let room: String
    let name: String
    let rate: Double
    let ledger: DrillLedger
    private var channel: (any Channel)?
    private var subscribed = false
    /// The last `roomSeq` of the room this client saw; nil before its first subscription.
    private var lastRoomSeq: UInt64?
    /// Messages sent but not acknowledged: index → when the user wrote it (monotonic µs).
    private var pending: [Int: UInt64] = [:]
    private var nextIndex = 0
    private var sending = false
    private var closing = false
    private var droppedAt: UInt64?
    private var attempts = 0
    /// When this connection last heard from the server (monotonic µs).
    private var heard: UInt64 = 0
    private var liveness: RepeatedTask?
    /// The message ids this client received.
    private(set) var received: Set<String> = []

    init(loop: any EventLoop, host: String, port: Int, token: String, room: String, name: String, rate: Double, ledger: DrillLedger) {
        (self.loop, self.host, self.port, self.token, self.room, self.name, self.rate, self.ledger) = (loop, host, port, token, room, name, rate, ledger)
    }

    /// Connects, subscribes, and reconnects whenever the connection drops, until `close`.
    func start() {
        loop.execute {
            self.liveness = self.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in self.checkLiveness() }
            self.connect()
        }
    }

    private func checkLiveness() {
        guard let channel else { return }
        if monotonicMicroseconds() - heard > 3_000_000 {
            ledger.error("no answer for 3 s: connection dropped by the client")
            channel.close(promise: nil)
        } else {
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: channel.allocator.buffer(capacity: 0)), promise: nil)
        }
    }

    fileprivate func heardFromServer() { heard = monotonicMicroseconds() }

    /// Writes one message every 1/rate s from `start` (monotonic µs) on, until `stopSending`.
    func startSending(start: UInt64) {
        loop.execute {
            self.sending = true
            self.tick(due: start)
        }
    }

    func stopSending() { loop.execute { self.sending = false } }

    /// Messages not yet acknowledged, and whether the client is subscribed now.
    func state() -> EventLoopFuture<(pending: Int, subscribed: Bool, received: Set<String>)> {
        loop.submit { (self.pending.count, self.subscribed, self.received) }
    }

    func close() -> EventLoopFuture<Void> {
        loop.flatSubmit {
            self.closing = true
            self.sending = false
            self.liveness?.cancel()
            return self.channel?.close() ?? self.loop.makeSucceededVoidFuture()
        }
    }

    private func connect() {
        guard !closing else { return }
        let promise = loop.makePromise(of: (any Channel, FrameRelay).self)
        promise.completeWithTask { [self] in
            try await WebSocketDial.open(group: loop, host: host, port: port, token: token) { FrameRelay(client: self) }
        }
        promise.futureResult.whenFailure { [self] _ in retry() }
    }

    /// The relay's channel is this client's connection from the moment the upgrade installs it (the server's hello
    /// may come with the upgrade's answer).
    fileprivate func attached(_ channel: any Channel) {
        self.channel = channel
        heard = monotonicMicroseconds()
        channel.closeFuture.whenComplete { _ in self.loop.execute { self.dropped(channel) } }
    }

    private func dropped(_ channel: any Channel) {
        guard self.channel === channel else { return }
        self.channel = nil
        subscribed = false
        guard !closing else { return }
        if droppedAt == nil {
            droppedAt = monotonicMicroseconds()
            ledger.dropped()
        }
        retry()
    }

    private func retry() {
        guard !closing else { return }
        let base = min(1000.0, 100.0 * Double(1 << min(attempts, 4)))
        attempts += 1
        loop.scheduleTask(in: .milliseconds(Int64(base * Double.random(in: 0.8...1.2)))) { self.connect() }
    }

    fileprivate func receive(_ bytes: UnsafeRawBufferPointer) {
        if bytes.starts(with: LoadConnection.eventPrefix) {
            event(bytes)
        } else if bytes.starts(with: LoadConnection.ackPrefix) {
            guard let id = Self.string(after: Self.idKey, in: bytes), let index = index(of: id), let written = pending.removeValue(forKey: index) else { return }
            ledger.acked(room: room, id: id, written: written)
        } else if bytes.starts(with: LoadConnection.subscribedPrefix) {
            subscribed = true
            attempts = 0
            if lastRoomSeq == nil { lastRoomSeq = LoadConnection.number(after: LoadConnection.headKey, in: bytes) }
            if let droppedAt {
                ledger.back(droppedAt: droppedAt, at: monotonicMicroseconds())
                self.droppedAt = nil
            }
            for index in pending.keys.sorted() { write(index) }
        } else if bytes.starts(with: LoadConnection.helloPrefix) {
            let after = lastRoomSeq.map { #","after":\#($0)"# } ?? ""
            channel.map { Self.write(#"{"type":"subscribe","room":"\#(room)"\#(after)}"#, on: $0) }
        } else if bytes.starts(with: LoadConnection.errorPrefix) {
            ledger.error(String(decoding: bytes, as: UTF8.self))
            // A refused send stays pending and goes again after half a second.
            if let id = Self.string(after: Self.idKey, in: bytes), let index = index(of: id), pending[index] != nil {
                loop.scheduleTask(in: .milliseconds(500)) { if self.subscribed, self.pending[index] != nil { self.write(index) } }
            }
        }
    }

    private func event(_ bytes: UnsafeRawBufferPointer) {
        guard let roomSeq = LoadConnection.number(after: LoadConnection.roomSeqKey, in: bytes) else { return }
        if let last = lastRoomSeq {
            if roomSeq <= last { ledger.fault(gap: false) } else if roomSeq > last + 1 { ledger.fault(gap: true) }
        }
        lastRoomSeq = max(roomSeq, lastRoomSeq ?? 0)
        guard let id = Self.string(after: Self.idKey, in: bytes), let written = LoadConnection.number(after: LoadConnection.bodyKey, in: bytes) else { return }
        if received.insert(id).inserted {
            ledger.delivered(written: written, at: monotonicMicroseconds())
        } else {
            ledger.fault(gap: false)
        }
    }

    private func tick(due: UInt64) {
        guard sending, !closing else { return }
        let index = nextIndex
        nextIndex += 1
        pending[index] = monotonicMicroseconds()
        ledger.written(at: pending[index]!)
        if subscribed { write(index) }
        let next = due + UInt64(1_000_000 / rate)
        let now = monotonicMicroseconds()
        loop.scheduleTask(in: .microseconds(Int64(next > now ? next - now : 0))) { self.tick(due: next) }
    }

    private func write(_ index: Int) {
        guard let channel, let written = pending[index] else { return }
        Self.write(#"{"type":"send","room":"\#(room)","body":"\#(written) \#(name) \#(index)","id":"\#(name)-\#(index)"}"#, on: channel)
    }

    private func index(of id: String) -> Int? {
        guard id.hasPrefix(name + "-") else { return nil }
        return Int(id.dropFirst(name.count + 1))
    }

    private static func write(_ text: String, on channel: any Channel) {
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(string: text))
        channel.writeAndFlush(frame, promise: nil)
    }

    static let idKey = Array(#""id":""#.utf8)

    /// The JSON string (without escapes) right after the first `key` in `bytes`.
    static func string(after key: [UInt8], in bytes: UnsafeRawBufferPointer) -> String? {
        guard let start = bytes.indices.first(where: { start in
            start + key.count <= bytes.count && (0..<key.count).allSatisfy { bytes[start + $0] == key[$0] }
        }).map({ $0 + key.count }), let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}

/// Hands a connection's text frames to its client; a close frame closes the connection.
final class FrameRelay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    let client: ResumingClient

    init(client: ResumingClient) { self.client = client }

    func handlerAdded(context: ChannelHandlerContext) {
        client.attached(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        client.heardFromServer()
        switch frame.opcode {
        case .text: frame.data.withUnsafeReadableBytes { client.receive($0) }
        case .connectionClose:
            var data = frame.unmaskedData
            client.ledger.error("close frame \(data.readInteger(as: UInt16.self).map(String.init) ?? "without a code")")
            context.close(promise: nil)
        default: break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
