import NIOCore
import NIOWebSocket
import Testing
@testable import RoomlogGateway

@Suite("Message assembler")
struct MessageAssemblerTests {
    let inflater = Inflater()

    func append(_ assembler: inout MessageAssembler, _ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, rsv1: Bool = false) -> MessageAssembler.Result {
        assembler.append(opcode: opcode, fin: fin, rsv1: rsv1, data: ByteBuffer(bytes: bytes), inflater: inflater)
    }

    @Test("fragments make one message; a continuation with no message started, or a new message inside one, is 1002")
    func fragments() {
        var assembler = MessageAssembler(bytesMax: 100, deflate: false)
        let r1 = append(&assembler, .text, Array("ab".utf8), fin: false)
        #expect(r1 == .needMore)
        let r2 = append(&assembler, .continuation, Array("cd".utf8), fin: false)
        #expect(r2 == .needMore)
        let r3 = append(&assembler, .continuation, Array("e".utf8))
        #expect(r3 == .message(Array("abcde".utf8)))
        let r4 = append(&assembler, .continuation, [1])
        #expect(r4 == .close(.protocolError))
        var second = MessageAssembler(bytesMax: 100, deflate: false)
        let r5 = append(&second, .text, [1], fin: false)
        #expect(r5 == .needMore)
        let r6 = append(&second, .text, [2])
        #expect(r6 == .close(.protocolError))
    }

    @Test("a message over the limit after reassembly is 1009, exactly at the limit it passes")
    func limit() {
        var assembler = MessageAssembler(bytesMax: 10, deflate: false)
        let r7 = append(&assembler, .text, Array(repeating: 1, count: 10))
        #expect(r7 == .message(Array(repeating: 1, count: 10)))
        let r8 = append(&assembler, .text, Array(repeating: 1, count: 6), fin: false)
        #expect(r8 == .needMore)
        let r9 = append(&assembler, .continuation, Array(repeating: 1, count: 5))
        #expect(r9 == .close(.messageOverLimit))
    }

    @Test("a compressed message inflates; one over the limit once inflated is 1009; bad data is 1002; RSV1 without deflate is 1002")
    func inflation() {
        let deflater = Deflater()
        var assembler = MessageAssembler(bytesMax: 1000, deflate: true)
        let text = Array(String(repeating: "roomlog ", count: 100).utf8)
        let r10 = append(&assembler, .text, deflater.compress(text), rsv1: true)
        #expect(r10 == .message(text))
        let bomb = deflater.compress(Array(repeating: 0x61, count: 100_000))
        #expect(bomb.count < 1000)
        let r11 = append(&assembler, .text, bomb, rsv1: true)
        #expect(r11 == .close(.messageOverLimit))
        let r12 = append(&assembler, .text, [0xFF, 0xFF, 0xFF], rsv1: true)
        #expect(r12 == .close(.protocolError))
        var plain = MessageAssembler(bytesMax: 1000, deflate: false)
        let r13 = append(&plain, .text, deflater.compress(text), rsv1: true)
        #expect(r13 == .close(.protocolError))
    }
}
