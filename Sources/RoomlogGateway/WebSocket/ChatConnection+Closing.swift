import NIOCore
import NIOWebSocket

/// Closing: the close handshake the server starts, its timeout, and the liveness tick that closes a silent peer.
extension ChatConnection {
    /// Starts the close handshake with `code`: no frame is dispatched any more, and the TCP connection is dropped if
    /// the peer does not answer within the close timeout.
    func close(code: WebSocketErrorCode) {
        guard let context, state.close() else { return }
        writeClose(code)
        let timeout = TimeAmount.milliseconds(services.configuration.closeTimeoutMilliseconds)
        closeTimer = context.eventLoop.scheduleTask(in: timeout) { [self] in
            if state.closeTimerFired() { self.context?.close(promise: nil) }
        }
    }

    /// The hub's liveness tick: ping, or close a peer that has been silent too long.
    func tick() {
        switch state.tick(now: now) {
        case .sendPing: write(EncodedFrame.control(.ping))
        case .close(let code):
            // The peer sends nothing, so it would not answer the handshake either: say why, and drop it.
            state.channelClosed()
            writeClose(code)
            context?.close(promise: nil)
        case .none: return
        }
    }

    /// Writes and flushes a close frame with `code`; `promise` completes once it is written (or fails).
    func writeClose(_ code: WebSocketErrorCode, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.succeed()
            return
        }
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)), promise: promise)
    }
}
