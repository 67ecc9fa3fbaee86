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
    /// Each sender's last index seen by this subscriber.
    private var lastIndex: [Substring: Int] = [:]

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
        case .connectionClose:
            progress.closes.add(1, ordering: .relaxed)
            context.close(promise: nil)
        case .ping:
            write(frame.unmaskedData, opcode: .pong)
        default: break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Takes every whole protocol line (and MSG payload) off the front of `pending`.
    private func parse() {
        while let line = pending.readableBytesView.firstRange(of: [13, 10]) {
            let length = line.lowerBound - pending.readerIndex
            let text = pending.getString(at: pending.readerIndex, length: length) ?? ""
            if text.hasPrefix("MSG ") {
                // MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n
                guard let size = Int(text.split(separator: " ").last ?? ""),
                      pending.readableBytes >= length + 2 + size + 2 else { return }
                pending.moveReaderIndex(forwardBy: length + 2)
                let payload = pending.readString(length: size) ?? ""
                pending.moveReaderIndex(forwardBy: 2)
                message(payload)
                continue
            }
            pending.moveReaderIndex(forwardBy: length + 2)
            if text.hasPrefix("INFO") {
                greet()
            } else if text == "PING" {
                send("PONG\r\n")
            } else if text == "PONG" {
                // The answer to the PING after SUB: the server has the subscription.
                progress.ready.add(1, ordering: .relaxed)
            } else if text.hasPrefix("-ERR") {
                progress.errors.add(1, ordering: .relaxed)
                print("NATS error: \(text)")
            }
        }
        pending.discardReadBytes()
    }

    private func greet() {
        guard !greeted else { return }
        greeted = true
        var commands = #"CONNECT {"verbose":false,"pedantic":false,"protocol":1,"echo":true}"# + "\r\n"
        if let subscribe = plan.subscribe { commands += "SUB \(subscribe.room) 1\r\n" }
        send(commands + "PING\r\n")
    }

    /// A message's payload: `<sent µs> <sender> <index>`.
    private func message(_ payload: String) {
        guard let expected = plan.subscribe?.expected, received < expected else { return }
        let parts = payload.split(separator: " ")
        guard parts.count == 3, let sent = UInt64(parts[0]), let index = Int(parts[2]) else { return }
        if let last = lastIndex[parts[1]], index != last + 1 { tally.fault(gap: index > last + 1) }
        lastIndex[parts[1]] = index
        tally.record(latencyMicroseconds: monotonicMicroseconds() &- sent)
        received += 1
        if received == expected { progress.finished.add(1, ordering: .relaxed) }
    }

    func startSending(start: UInt64) {
        guard let send = plan.send else { return }
        @Sendable func next(_ index: Int) {
            guard index < send.count, let context else {
                progress.sent.add(1, ordering: .relaxed)
                return
            }
            let due = start + UInt64(Double(index) * 1_000_000 / send.rate)
            let now = monotonicMicroseconds()
            if due > now {
                context.eventLoop.scheduleTask(in: .microseconds(Int64(due - now))) { next(index) }
                return
            }
            let payload = "\(monotonicMicroseconds()) \(send.name) \(index)"
            self.send("PUB \(send.room) \(payload.utf8.count)\r\n\(payload)\r\n")
            next(index + 1)
        }
        next(0)
    }

    private func send(_ text: String) {
        guard let context else { return }
        write(context.channel.allocator.buffer(string: text), opcode: .binary)
    }

    private func write(_ data: ByteBuffer, opcode: WebSocketOpcode) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)), promise: nil)
    }
}
