import NIOCore
import NIOWebSocket

/// Reassembles a client's data frames into whole messages and inflates permessage-deflate ones, within the
/// message limit (counted after reassembly and after inflation). A plain value: it reads no socket.
struct MessageAssembler {
    /// What a data frame comes to.
    enum Result: Equatable {
        /// The message continues in a later frame.
        case needMore
        /// A whole message, inflated.
        case message([UInt8])
        /// The connection must close with this code: 1009 for a message over the limit, 1002 for a broken sequence
        /// of frames or bad compressed data.
        case close(WebSocketErrorCode)
    }

    /// The largest message, in bytes.
    let bytesMax: Int
    /// Whether permessage-deflate was negotiated (else a frame with RSV1 set is a protocol error).
    let deflate: Bool
    private var buffer: [UInt8] = []
    private var inMessage = false
    private var compressed = false

    init(bytesMax: Int, deflate: Bool) {
        self.bytesMax = bytesMax
        self.deflate = deflate
    }

    /// Takes the next data frame (text, binary or continuation) of the connection.
    mutating func append(opcode: WebSocketOpcode, fin: Bool, rsv1: Bool, data: ByteBuffer, inflater: Inflater) -> Result {
        if opcode == .continuation {
            guard inMessage, !rsv1 else { return .close(.protocolError) }
        } else {
            guard !inMessage, !rsv1 || deflate else { return .close(.protocolError) }
            inMessage = true
            compressed = rsv1
            buffer.removeAll(keepingCapacity: buffer.capacity <= bytesMax)
        }
        guard buffer.count + data.readableBytes <= bytesMax else { return .close(.messageOverLimit) }
        buffer.append(contentsOf: data.readableBytesView)
        guard fin else { return .needMore }
        inMessage = false
        guard compressed else { return .message(buffer) }
        do {
            return .message(try inflater.decompress(buffer, bytesMax: bytesMax))
        } catch .tooLarge {
            return .close(.messageOverLimit)
        } catch {
            return .close(.protocolError)
        }
    }
}
