import NIOCore
import NIOWebSocket
@testable import RoomlogGateway
import RoomlogCore
import RoomlogFuzzSupport

@main
enum Fuzz: FuzzTarget {
    /// Reads any bytes as a sequence of client frames (a flags byte: opcode, FIN, RSV1; a 2-byte length; the data) and
    /// hands them to a connection's message assembler with permessage-deflate, then each message to the frame parser:
    /// never a crash, and no message is ever over the limit, however it was compressed.
    static func check(_ bytes: [UInt8]) {
        let inflater = Inflater()
        var assembler = MessageAssembler(bytesMax: 4096, deflate: true)
        var index = 0
        while index + 3 <= bytes.count {
            let flags = bytes[index]
            let length = min(Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]), bytes.count - index - 3)
            let data = ByteBuffer(bytes: bytes[(index + 3)..<(index + 3 + length)])
            index += 3 + length
            let opcode: WebSocketOpcode = [.continuation, .text, .binary][Int(flags & 0x3) % 3]
            switch assembler.append(opcode: opcode, fin: flags & 0x80 != 0, rsv1: flags & 0x40 != 0, data: data, inflater: inflater) {
            case .needMore: continue
            case .message(let message):
                precondition(message.count <= 4096, "a message over the limit got through")
                _ = ClientCommand.parse(message, validation: Validation())
            case .close: return
            }
        }
    }
}
