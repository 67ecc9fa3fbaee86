import NIOCore
import NIOWebSocket

/// The life of one WebSocket as a plain value (SwiftNIO style): each input returns the action the handler must
/// perform. Open, then closing once either side starts the close handshake, then closed. A connection that is not
/// open dispatches no frame; one that does not answer our close frame within the close timeout is dropped; one from
/// which nothing arrives for two ping intervals is closed.
struct ConnectionStateMachine {
    enum State: Equatable {
        case open
        /// Our close frame is sent; waiting for the peer's (or the close timeout).
        case closing
        case closed
    }

    /// What to do about the peer's close frame.
    enum PeerCloseAction: Equatable {
        /// Answer with a close frame of this code, then close the TCP connection.
        case reply(WebSocketErrorCode)
        /// The handshake is complete (or moot): close the TCP connection.
        case closeConnection
    }

    /// What to do on a liveness tick.
    enum PingAction: Equatable {
        case sendPing
        /// Start closing with this code (send the close frame).
        case close(WebSocketErrorCode)
        case none
    }

    private(set) var state = State.open
    /// When anything last arrived from the peer, and when the server last pinged it, in milliseconds.
    private var lastHeard: Int64
    private var lastPinged: Int64
    let pingIntervalMilliseconds: Int64

    init(now: Int64, pingIntervalMilliseconds: Int64) {
        lastHeard = now
        lastPinged = now
        self.pingIntervalMilliseconds = pingIntervalMilliseconds
    }

    /// Something arrived from the peer at `now`; returns whether its data frames may be dispatched (only while open).
    mutating func received(now: Int64) -> Bool {
        lastHeard = max(lastHeard, now)
        return state == .open
    }

    /// The server closes with `code`: true when the close frame must be sent (and the close timer armed), false when
    /// the connection is closing or closed already.
    mutating func close() -> Bool {
        guard state == .open else { return false }
        state = .closing
        return true
    }

    /// The peer sent a close frame with `payload`. While open, the answer echoes a valid code (1000 for none; 1002
    /// for a malformed payload or a code a peer may not send; 1007 for a reason that is not UTF-8, RFC 6455 7.4).
    mutating func peerClosed(payload: ByteBuffer) -> PeerCloseAction {
        defer { state = .closed }
        guard state == .open else { return .closeConnection }
        return .reply(Self.answer(to: payload))
    }

    /// The hub's liveness tick at `now` (every half ping interval): a ping once an interval has passed since the
    /// last one, or the close once nothing arrived for two intervals (so a silent peer is closed within two and a
    /// half).
    mutating func tick(now: Int64) -> PingAction {
        guard state == .open else { return .none }
        guard now - lastHeard < 2 * pingIntervalMilliseconds else {
            state = .closing
            return .close(.silentPeer)
        }
        guard now - lastPinged >= pingIntervalMilliseconds else { return .none }
        lastPinged = now
        return .sendPing
    }

    /// The close timeout passed: true when the TCP connection must be dropped (the peer never answered).
    mutating func closeTimerFired() -> Bool {
        guard state == .closing else { return false }
        state = .closed
        return true
    }

    /// The TCP connection closed.
    mutating func channelClosed() {
        state = .closed
    }

    /// The close code that answers a peer's close frame `payload` (RFC 6455 5.5.1, 7.4).
    static func answer(to payload: ByteBuffer) -> WebSocketErrorCode {
        var payload = payload
        guard payload.readableBytes > 0 else { return .normalClosure }
        guard let number = payload.readInteger(as: UInt16.self) else { return .protocolError }
        switch number {
        case 1000...1003, 1007...1011, 3000...4999: break
        default: return .protocolError
        }
        guard String(validating: payload.readableBytesView, as: UTF8.self) != nil else { return .dataInconsistentWithMessage }
        return WebSocketErrorCode(codeNumber: Int(number))
    }
}
