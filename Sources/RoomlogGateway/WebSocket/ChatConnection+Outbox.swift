import NIOCore
import RoomlogCore
import NIOWebSocket
import Prometheus
import RoomlogStore

/// Writing to the client. Everything the server sends (events, replies, errors, pings and pongs) goes through one
/// outbox, the channel's write buffer of `outboxBytesMax`: a client that does not read is closed with 1013 once it
/// is full, whether it subscribes or only sends.
extension ChatConnection {
    /// Writes a whole encoded frame, flushed by the hub in a later task of this loop; false (and the connection
    /// closing with 1013) when the outbox is full even after a flush, or when the connection is not open.
    @discardableResult
    func write(_ frame: ByteBuffer) -> Bool {
        guard let channel, state.state == .open else { return false }
        if !channel.isWritable {
            encodedFrames.flush()  // writes waiting for the hub's flush count against the outbox too
            guard channel.isWritable else {
                services.metrics.outboxOverflows.increment()
                close(code: .slowReader)
                return false
            }
        }
        encodedFrames.write(frame)
        hub.wrote(self)
        return true
    }

    /// Sends a JSON object as a text frame (compressed when negotiated and worth it).
    func send(_ json: [UInt8]) {
        write((deflate ? EncodedFrame.compressed(json, with: hub.deflater) : nil) ?? EncodedFrame.text(json))
    }

    /// Sends an error frame.
    func send(_ error: FrameError) {
        send(ServerFrame.error(error))
    }

    func flush() {
        encodedFrames.flush()
    }

    /// Sends `hello`: the user's rooms and their heads, read in one transaction.
    func sayHello() {
        do {
            let rooms = try services.store.roomHeads(of: session.user)
            send(ServerFrame.hello(user: session.user, epoch: services.store.epoch, head: try services.store.head(), rooms: rooms))
        } catch {
            close(code: .unexpectedServerError)
        }
    }
}
