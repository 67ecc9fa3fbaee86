import NIOCore
import NIOWebSocket
import Testing
@testable import RoomlogGateway

@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    func closePayload(_ code: UInt16?, reason: [UInt8] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let code { buffer.writeInteger(code) }
        buffer.writeBytes(reason)
        return buffer
    }

    @Test("open dispatches; once the server closes, nothing more is dispatched and the peer's close completes it")
    func serverCloses() {
        var machine = ConnectionStateMachine(now: 0, pingIntervalMilliseconds: 1000)
        let r1 = machine.received(now: 1)
        #expect(r1)
        let r2 = machine.close()
        #expect(r2)
        let r3 = machine.close()
        #expect(!r3)
        let r4 = machine.received(now: 2)
        #expect(!r4)
        let r5 = machine.peerClosed(payload: closePayload(1000))
        #expect(r5 == .closeConnection)
        #expect(machine.state == .closed)
        let r6 = machine.closeTimerFired()
        #expect(!r6)
    }

    @Test("a closing connection whose peer never answers is dropped when the close timer fires")
    func closeTimeout() {
        var machine = ConnectionStateMachine(now: 0, pingIntervalMilliseconds: 1000)
        let r7 = machine.closeTimerFired()
        #expect(!r7)
        let r8 = machine.close()
        #expect(r8)
        let r9 = machine.closeTimerFired()
        #expect(r9)
        #expect(machine.state == .closed)
    }

    @Test("the peer's close is answered with its own valid code, or 1002 / 1007 for a malformed one", arguments: [
        (nil, [], 1000), (1000, [], 1000), (1001, [], 1001), (3000, [], 3000), (4999, Array("bye".utf8), 4999),
        (999, [], 1002), (1004, [], 1002), (1005, [], 1002), (1006, [], 1002), (1015, [], 1002), (2000, [], 1002), (5000, [], 1002),
        (1000, [0xFF, 0xFE], 1007),
    ] as [(UInt16?, [UInt8], Int)])
    func peerCloses(code: UInt16?, reason: [UInt8], answer: Int) {
        var machine = ConnectionStateMachine(now: 0, pingIntervalMilliseconds: 1000)
        let r10 = machine.peerClosed(payload: closePayload(code, reason: reason))
        #expect(r10 == .reply(WebSocketErrorCode(codeNumber: answer)))
        #expect(machine.state == .closed)
        let r11 = machine.received(now: 1)
        #expect(!r11)
    }

    @Test("a one-byte close payload is a protocol error")
    func oneByteClose() {
        var machine = ConnectionStateMachine(now: 0, pingIntervalMilliseconds: 1000)
        let r12 = machine.peerClosed(payload: ByteBuffer(bytes: [3]))
        #expect(r12 == .reply(.protocolError))
    }

    @Test("each tick pings once an interval has passed since the last ping; nothing heard for two intervals closes")
    func liveness() {
        var machine = ConnectionStateMachine(now: 0, pingIntervalMilliseconds: 1000)
        let quiet = machine.tick(now: 500)
        #expect(quiet == .none)
        let first = machine.tick(now: 1000)
        #expect(first == .sendPing)
        let heard = machine.received(now: 1200)
        #expect(heard)
        let between = machine.tick(now: 1500)
        #expect(between == .none)
        let second = machine.tick(now: 2000)
        #expect(second == .sendPing)
        let third = machine.tick(now: 3000)
        #expect(third == .sendPing)
        let silent = machine.tick(now: 3200)
        #expect(silent == .close(.silentPeer))
        #expect(machine.state == .closing)
        let after = machine.tick(now: 4000)
        #expect(after == .none)
    }
}
