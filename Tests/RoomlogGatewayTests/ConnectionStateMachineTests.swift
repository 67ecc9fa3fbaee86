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

    @Test("the ping timer pings while the peer is heard, and closes once nothing arrived for two intervals")
    func liveness() {
        var machine = ConnectionStateMachine(now: 0, pingIntervalMilliseconds: 1000)
        let r13 = machine.pingTimerFired(now: 1000)
        #expect(r13 == .sendPing)
        let r14 = machine.received(now: 1500)
        #expect(r14)
        let r15 = machine.pingTimerFired(now: 2000)
        #expect(r15 == .sendPing)
        let r16 = machine.pingTimerFired(now: 3000)
        #expect(r16 == .sendPing)
        let r17 = machine.pingTimerFired(now: 3500)
        #expect(r17 == .close(.silentPeer))
        #expect(machine.state == .closing)
        let r18 = machine.pingTimerFired(now: 4000)
        #expect(r18 == .none)
    }
}
