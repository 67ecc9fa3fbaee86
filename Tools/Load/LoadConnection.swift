import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// What one load connection does: subscribe to a room and check its events, send messages at a rate, or only
/// hold the connection open after the server's hello.
struct LoadPlan: Sendable {
    /// The room to subscribe to and the number of its events to wait for.
    var subscribe: (room: String, expected: Int)?
    /// The room to send into, the messages per second, how many, and a name that makes each client id unique.
    var send: (room: String, rate: Double, count: Int, name: String)?
    /// The gateway port this connection uses, when not the run's own (another host of a cluster).
    var port: Int?
}

/// A connection of a load run (to Roomlog or to NATS): its plan, and the start of its sending.
protocol LoadClient: AnyObject, Sendable {
    var plan: LoadPlan { get }
    func startSending(start: UInt64)
}

/// The sending of a load connection, the same for Roomlog and NATS: message `index` is due at `start` (monotonic
/// µs) plus `index / rate` seconds.
enum SendSchedule {
    /// Calls `write` with each index when it is due, on `loop`, until `send.count` or until `write` returns false
    /// (the connection is gone); then counts the sender in `progress.sent`.
    static func run(_ send: (room: String, rate: Double, count: Int, name: String), start: UInt64, on loop: any EventLoop,
                    progress: LoadProgress, write: @escaping (Int) -> Bool) {
        func next(_ index: Int) {
            let due = start + UInt64(Double(index) * 1_000_000 / send.rate)
            let now = monotonicMicroseconds()
            if index < send.count, due > now {
                loop.assumeIsolated().scheduleTask(in: .microseconds(Int64(due - now))) { next(index) }
                return
            }
            guard index < send.count, write(index) else {
                progress.sent.add(1, ordering: .relaxed)
                return
            }
            next(index + 1)
        }
        next(0)
    }
}

/// Counters shared by every connection of a run.
final class LoadProgress: Sendable {
    /// Connections that are ready: subscribed, or greeted when they do not subscribe.
    let ready = Atomic<Int>(0)
    /// Subscribers that received everything they expected.
    let finished = Atomic<Int>(0)
    /// Senders that wrote every message.
    let sent = Atomic<Int>(0)
    /// Acks and error frames the senders received.
    let acks = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    /// Connections the server closed (any close frame), and connections that failed.
    let closes = Atomic<Int>(0)
}

extension ChannelHandlerContext {
    /// Writes and flushes one frame of a load client (masked, as a client's frames must be).
    func writeClientFrame(_ data: ByteBuffer, opcode: WebSocketOpcode) {
        writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)), promise: nil)
    }

    /// How every load connection answers the server's control frames: a close is counted in `progress` and closes
    /// the connection; a ping gets its pong (the gateway closes a connection silent for two ping intervals). Returns
    /// whether `frame` was one of them.
    func answerControlFrame(_ frame: WebSocketFrame, progress: LoadProgress) -> Bool {
        switch frame.opcode {
        case .connectionClose:
            progress.closes.add(1, ordering: .relaxed)
            close(promise: nil)
        case .ping: writeClientFrame(frame.unmaskedData, opcode: .pong)
        default: return false
        }
        return true
    }
}

/// One WebSocket to the gateway as a plain NIO handler, so the generator spends its time on the wire and not on
/// tasks and JSON: events are checked by scanning their bytes for `roomSeq` and the send time in the body.
final class LoadConnection: ChannelInboundHandler, LoadClient, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let plan: LoadPlan
    let tally: Tally
    let progress: LoadProgress
    private var context: ChannelHandlerContext?
    private var last: UInt64?
    private var received = 0
    private var greeted = false

    init(plan: LoadPlan, tally: Tally, progress: LoadProgress) {
        self.plan = plan
        self.tally = tally
        self.progress = progress
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .text { receive(frame.data) } else { _ = context.answerControlFrame(frame, progress: progress) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func receive(_ data: ByteBuffer) {
        data.withUnsafeReadableBytes { bytes in
            if bytes.starts(with: Self.eventsPrefix) {
                // A batch frame (version 1.2): each record from its roomSeq to the next one's.
                var starts: [Int] = []
                var from = 0
                while let start = Self.position(of: Self.roomSeqKey, in: bytes, from: from) {
                    starts.append(start)
                    from = start + Self.roomSeqKey.count
                }
                for (index, start) in starts.enumerated() {
                    event(UnsafeRawBufferPointer(rebasing: bytes[start..<(index + 1 < starts.count ? starts[index + 1] : bytes.count)]))
                }
            } else if bytes.starts(with: Self.eventPrefix) {
                event(bytes)
            } else if bytes.starts(with: Self.ackPrefix) {
                progress.acks.add(1, ordering: .relaxed)
            } else if bytes.starts(with: Self.subscribedPrefix) {
                last = Self.number(after: Self.headKey, in: bytes)
                progress.ready.add(1, ordering: .relaxed)
            } else if bytes.starts(with: Self.helloPrefix) {
                // The first frame: writes before it could meet the upgrade's HTTP handlers.
                guard !greeted else { return }
                greeted = true
                if let subscribe = plan.subscribe {
                    write(#"{"type":"subscribe","room":"\#(subscribe.room)"}"#)
                } else {
                    progress.ready.add(1, ordering: .relaxed)
                }
            } else if bytes.starts(with: Self.errorPrefix) {
                progress.errors.add(1, ordering: .relaxed)
                print("error frame: \(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    private func event(_ bytes: UnsafeRawBufferPointer) {
        guard let expected = plan.subscribe?.expected, received < expected,
              let roomSeq = Self.number(after: Self.roomSeqKey, in: bytes) else { return }
        if let last, roomSeq != last + 1 { tally.fault(gap: roomSeq > last + 1) }
        last = roomSeq
        if let sent = Self.number(after: Self.bodyKey, in: bytes) { tally.record(latencyMicroseconds: monotonicMicroseconds() &- sent) }
        received += 1
        if received == expected { progress.finished.add(1, ordering: .relaxed) }
    }

    /// Sends the plan's messages on this connection's loop, each at its own time from `start` on.
    func startSending(start: UInt64) {
        guard let send = plan.send, let loop = context?.eventLoop else { return }
        SendSchedule.run(send, start: start, on: loop, progress: progress) { [self] index in
            guard context != nil else { return false }
            write(#"{"type":"send","room":"\#(send.room)","body":"\#(monotonicMicroseconds()) \#(send.name) \#(index)","id":"\#(send.name)-\#(index)"}"#)
            return true
        }
    }

    private func write(_ text: String) {
        guard let context else { return }
        context.writeClientFrame(context.channel.allocator.buffer(string: text), opcode: .text)
    }

    static let eventPrefix = Array(#"{"type":"event""#.utf8)
    static let eventsPrefix = Array(#"{"type":"events""#.utf8)
    static let ackPrefix = Array(#"{"type":"ack""#.utf8)
    static let subscribedPrefix = Array(#"{"type":"subscribed""#.utf8)
    static let helloPrefix = Array(#"{"type":"hello""#.utf8)
    static let errorPrefix = Array(#"{"type":"error""#.utf8)
    static let headKey = Array(#""head":"#.utf8)
    static let roomSeqKey = Array(#""roomSeq":"#.utf8)
    static let bodyKey = Array(#""body":""#.utf8)

    /// Where the first `key` at or after `from` starts in `bytes`.
    static func position(of key: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        var index = from
        while index + key.count < bytes.count {
            if bytes[index] == key[0], (1..<key.count).allSatisfy({ bytes[index + $0] == key[$0] }) { return index }
            index += 1
        }
        return nil
    }

    /// The decimal number right after the first `key` in `bytes`.
    static func number(after key: [UInt8], in bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard var position = position(of: key, in: bytes).map({ $0 + key.count }) else { return nil }
        var value: UInt64 = 0
        var digits = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            value = value * 10 + UInt64(bytes[position] - 0x30)
            position += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}

extension LoadConnection {
    /// Opens a WebSocket to `/api/v1/ws` on 127.0.0.1:`port` with `token` and installs a handler for `plan`.
    static func connect(group: any EventLoopGroup, port: Int, token: String, batch: Bool, plan: LoadPlan, tally: Tally, progress: LoadProgress) async throws -> (any Channel, LoadConnection) {
        try await WebSocketDial.open(group: group, port: port, token: token, path: batch ? "/api/v1/ws?batch=1" : "/api/v1/ws") {
            LoadConnection(plan: plan, tally: tally, progress: progress)
        }
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
