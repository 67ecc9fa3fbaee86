#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// Runs an action on an event loop after the loop has next polled its sockets. `EventLoop.execute` cannot: a loop
/// runs every queued task, and every task those tasks queue, before it polls again, so a chain of tasks (the hub's
/// rounds of flushes) would keep it from reading any socket, the publisher's among them, until the chain ends. Here
/// the next step is one byte in a pipe that the loop itself polls: it becomes ready at the next poll, in the same
/// pass as every socket ready by then. Until the pipe is open (and on a loop that cannot poll a pipe, as in tests)
/// the action is queued with `execute`. Touched only on its loop.
final class LoopYield: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let loop: any EventLoop
    private let action: @Sendable () -> Void
    private var channel: (any Channel)?
    private var opening = false
    /// Whether a byte is in the pipe, not yet read.
    private var armed = false

    init(loop: any EventLoop, action: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.action = action
    }

    /// Whether the pipe is open (until then `schedule` queues the action with `execute`).
    var isOpen: Bool { channel != nil }

    /// Runs the action after the loop's next poll (once, however often this is called before then).
    func schedule() {
        loop.preconditionInEventLoop()
        guard let channel else {
            open()
            return loop.execute(action)
        }
        guard !armed else { return }
        armed = true
        channel.writeAndFlush(ByteBuffer(integer: UInt8(1)), promise: nil)
    }

    /// Opens the pipe now rather than on the first `schedule`.
    func open() {
        loop.preconditionInEventLoop()
        guard channel == nil, !opening, let bootstrap = NIOPipeBootstrap(validatingGroup: loop) else { return }
        var ends: [CInt] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        let (input, output) = (ends[0], ends[1])
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }  // as the wake watch's pipe: no child inherits it
        opening = true
        bootstrap.channelInitializer { [self] channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(self) }
        }
        .takingOwnershipOfDescriptors(input: input, output: output)
        .whenComplete { [self] result in
            opening = false
            switch result {
            case .success(let channel): self.channel = channel
            case .failure: _ = (Glibc.close(input), Glibc.close(output))
            }
        }
    }

    /// Closes the pipe (it opens again on the next `schedule`); an action waiting for it is queued instead.
    func close() {
        loop.preconditionInEventLoop()
        channel?.close(promise: nil)
        channel = nil
        if armed {
            armed = false
            loop.execute(action)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard armed else { return }
        armed = false
        action()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if context.channel === channel { channel = nil }
        if armed {
            armed = false
            loop.execute(action)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
