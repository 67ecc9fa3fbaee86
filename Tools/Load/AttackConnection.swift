import NIOCore
import NIOWebSocket
import Synchronization

/// A WebSocket that attacks for the length of a run: from the server's hello until `until` (monotonic
/// microseconds) it writes `framesPerMillisecond` frames every millisecond, taking them in turn from `frames`; with
/// `reading: false` it stops reading once greeted, as a client that sends but never reads. It counts the error
/// frames it gets by code, and notes when the server closes it.
final class AttackConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let frames: [String]
    let framesPerMillisecond: Int
    let reading: Bool
    let until: UInt64
    /// Error frames by code, frames written, and when the server closed the connection (µs after the start).
    let errors = Mutex<[String: Int]>([:])
    let written = Atomic<Int>(0)
    let closedAfterMicroseconds = Atomic<Int>(-1)
    private var context: ChannelHandlerContext?
    private var started: UInt64 = 0

    init(frames: [String], framesPerMillisecond: Int, reading: Bool, until: UInt64) {
        self.frames = frames
        self.framesPerMillisecond = framesPerMillisecond
        self.reading = reading
        self.until = until
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelInactive(context: ChannelHandlerContext) {
        if started > 0 { closedAfterMicroseconds.store(Int(monotonicMicroseconds() - started), ordering: .relaxed) }
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text else { return }
        let text = String(buffer: frame.data)
        if text.hasPrefix(#"{"type":"hello""#), started == 0 { return start(context) }
        if text.hasPrefix(#"{"type":"error""#), let code = text.split(separator: "\"").dropFirst(7).first {
            errors.withLock { $0[String(code), default: 0] += 1 }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func start(_ context: ChannelHandlerContext) {
        started = monotonicMicroseconds()
        if !reading { context.channel.setOption(.autoRead, value: false).whenComplete { _ in } }
        tick()
    }

    private func tick() {
        guard let context, monotonicMicroseconds() < until else { return }
        let done = written.load(ordering: .relaxed)
        for index in 0..<framesPerMillisecond {
            let text = frames[(done + index) % frames.count]
            let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: context.channel.allocator.buffer(string: text))
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        context.flush()
        written.add(framesPerMillisecond, ordering: .relaxed)
        context.eventLoop.scheduleTask(in: .milliseconds(1)) { [self] in tick() }
    }
}
