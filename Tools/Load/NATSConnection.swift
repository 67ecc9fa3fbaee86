import NIOCore
import NIOWebSocket

/// One WebSocket to a NATS server (its core text protocol: CONNECT, SUB, PUB; the server's MSG, PING, +OK, -ERR), so
/// that the same loads run against NATS for comparison: a room is a subject, a message a PUB. NATS may put many
/// messages in one WebSocket frame, and a message may straddle two frames: the handler reads a byte stream.
/// NATS keeps no order number, so each subscriber checks every sender's own index instead of a `roomSeq`.
final class NATSConnection: ChannelInboundHandler, LoadClient, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let plan: LoadPlan
    let tally: Tally
    let progress: LoadProgress
    private var context: ChannelHandlerContext?
    private var pending = ByteBuffer()
    private var greeted = false
    private var received = 0
    /// Each sender's last index seen by this subscriber, by the hash of its name.
    private var lastIndex: [Int: Int] = [:]

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
        switch frame.opcode {
        case .text, .binary, .continuation:
            var data = frame.unmaskedData
            pending.writeBuffer(&data)
            parse()
        default: _ = context.answerControlFrame(frame, progress: progress)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Takes every whole protocol line (and MSG payload) off the front of `pending`, reading bytes in place (as the
    /// Roomlog connection does), so that the generator's own cost is alike for both servers.
    private func parse() {
        while true {
            let consumed = pending.withUnsafeReadableBytes { bytes -> Int? in
                guard let end = Self.lineEnd(bytes, from: 0) else { return nil }
                let line = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
                if line.starts(with: Self.msg) {
                    // MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n
                    var size = 0, scale = 1, index = line.count - 1
                    while index >= 0, line[index] >= 0x30, line[index] <= 0x39 {
                        size += Int(line[index] - 0x30) * scale
                        scale *= 10
                        index -= 1
                    }
                    guard bytes.count >= end + 2 + size + 2 else { return nil }
                    message(UnsafeRawBufferPointer(rebasing: bytes[(end + 2)..<(end + 2 + size)]))
                    return end + 2 + size + 2
                }
                if line.starts(with: Self.info) {
                    greet()
                } else if line.elementsEqual(Self.ping) {
                    send("PONG\r\n")
                } else if line.elementsEqual(Self.pong) {
                    // The answer to the PING after SUB: the server has the subscription.
                    progress.ready.add(1, ordering: .relaxed)
                } else if line.starts(with: Self.error) {
                    progress.errors.add(1, ordering: .relaxed)
                    print("NATS error: \(String(decoding: line, as: UTF8.self))")
                }
                return end + 2
            }
            guard let consumed else { break }
            pending.moveReaderIndex(forwardBy: consumed)
        }
        pending.discardReadBytes()
    }

    static let msg = Array("MSG ".utf8), info = Array("INFO".utf8), ping = Array("PING".utf8), pong = Array("PONG".utf8)
    static let error = Array("-ERR".utf8)

    /// Where the first CRLF at or after `from` is.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var index = from
        while index + 1 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    private func greet() {
        guard !greeted else { return }
        greeted = true
        var commands = #"CONNECT {"verbose":false,"pedantic":false,"protocol":1,"echo":true}"# + "\r\n"
        if let subscribe = plan.subscribe { commands += "SUB \(subscribe.room) 1\r\n" }
        send(commands + "PING\r\n")
    }

    /// A message's payload: `<sent µs> <sender> <index>`.
    private func message(_ payload: UnsafeRawBufferPointer) {
        guard let expected = plan.subscribe?.expected, received < expected else { return }
        var position = 0
        func number() -> Int {
            var value = 0
            while position < payload.count, payload[position] >= 0x30, payload[position] <= 0x39 {
                value = value * 10 + Int(payload[position] - 0x30)
                position += 1
            }
            return value
        }
        let sent = number()
        position += 1
        var sender = 5381  // the sender's name, hashed (djb2)
        while position < payload.count, payload[position] != 0x20 {
            sender = sender &* 33 &+ Int(payload[position])
            position += 1
        }
        position += 1
        let index = number()
        if let last = lastIndex[sender], index != last + 1 { tally.fault(gap: index > last + 1) }
        lastIndex[sender] = index
        tally.record(latencyMicroseconds: monotonicMicroseconds() &- UInt64(sent))
        received += 1
        if received == expected { progress.finished.add(1, ordering: .relaxed) }
    }

    func startSending(start: UInt64) {
        guard let send = plan.send, let loop = context?.eventLoop else { return }
        SendSchedule.run(send, start: start, on: loop, progress: progress) { [self] index in
            guard context != nil else { return false }
            let payload = "\(monotonicMicroseconds()) \(send.name) \(index)"
            self.send("PUB \(send.room) \(payload.utf8.count)\r\n\(payload)\r\n")
            return true
        }
    }

    private func send(_ text: String) {
        guard let context else { return }
        context.writeClientFrame(context.channel.allocator.buffer(string: text), opcode: .binary)
    }
}
