import Foundation
import Glibc

/// A WebSocket client on a plain blocking socket, for a test that must stop reading: it does the handshake,
/// sends masked text frames, and later reads whatever the server managed to send.
final class RawSocket {
    let descriptor: Int32

    /// Connects to 127.0.0.1:`port` with a small receive buffer and upgrades with `token`; throws on failure.
    /// The server's answer to the upgrade.
    private(set) var handshake = ""

    init(port: Int, token: String, receiveBufferBytes: Int32 = 4096, extraHeaders: String = "") throws {
        descriptor = try PlainSocket.connect(port: port) { descriptor in
            var size = receiveBufferBytes
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        let request = "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(token)\r\n\(extraHeaders)\r\n"
        try write(Array(request.utf8))
        var response: [UInt8] = []
        while !response.ends(with: [13, 10, 13, 10]) {
            var byte: UInt8 = 0
            guard read(descriptor, &byte, 1) == 1 else { throw SocketError(description: "handshake failed") }
            response.append(byte)
        }
        handshake = String(decoding: response, as: UTF8.self)
        guard handshake.hasPrefix("HTTP/1.1 101") else { throw SocketError(description: "upgrade refused: \(handshake)\(readAvailable())") }
    }

    deinit {
        close(descriptor)
    }

    /// What the server sent that is already here, as text (the body of a refused upgrade).
    private func readAvailable() -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw SocketError(description: "write failed") }
            offset += written
        }
    }

    /// Sends `text` as one masked text frame.
    func send(_ text: String) throws {
        try write(Self.maskedFrame(text))
    }

    /// `text` as one masked text frame.
    static func maskedFrame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        }
        let mask: [UInt8] = [1, 2, 3, 4]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    private var unread: [UInt8] = []

    /// Reads frames and collects the payloads of text frames until `done` holds for them; throws if the connection
    /// ends or a read times out first.
    func readTexts(until done: ([String]) -> Bool) throws -> [String] {
        var texts: [String] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !done(texts) {
            if let (opcode, payload, length) = Self.frame(in: unread) {
                unread.removeFirst(length)
                if opcode == 0x8 { throw SocketError(description: "the server closed the connection") }
                if opcode == 0x1 { texts.append(String(decoding: payload, as: UTF8.self)) }
                continue
            }
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { throw SocketError(description: "read ended: \(count)") }
            unread += buffer[0..<count]
        }
        return texts
    }

    /// The first whole unmasked frame in `bytes`: its opcode, payload and length in bytes.
    static func frame(in bytes: [UInt8]) -> (opcode: UInt8, payload: ArraySlice<UInt8>, length: Int)? {
        guard bytes.count >= 2 else { return nil }
        var length = Int(bytes[1] & 0x7f)
        var header = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            header = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = (2..<10).reduce(0) { $0 << 8 | Int(bytes[$1]) }
            header = 10
        }
        guard bytes.count >= header + length else { return nil }
        return (bytes[0] & 0x0f, bytes[header..<(header + length)], header + length)
    }

    /// Shuts down our sending side, as a client that goes away without a close frame.
    func shutdownWriting() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads and drops bytes until the server closes the connection (true) or the read fails or times out (false).
    func serverCloses() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count == 0 { return true }
            if count < 0 { return false }
        }
    }

    /// Reads frames until the server's close frame and returns its code; nil if the connection ends first.
    func readCloseCode() -> UInt16? {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            while let (opcode, payload, length) = Self.frame(in: unread) {
                unread.removeFirst(length)
                if opcode == 0x8 { return payload.count >= 2 ? UInt16(payload[payload.startIndex]) << 8 | UInt16(payload[payload.startIndex + 1]) : nil }
            }
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { return nil }
            unread += buffer[0..<count]
        }
    }

    /// Reads until the server closes the connection; returns the close code of its close frame, if it sent one.
    func readToEnd() -> UInt16? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        var index = 0
        var code: UInt16?
        while bytes.count - index >= 2 {
            let opcode = bytes[index] & 0x0f
            var length = Int(bytes[index + 1] & 0x7f)
            var header = 2
            if length == 126, bytes.count - index >= 4 { length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3]); header = 4 }
            if length == 127, bytes.count - index >= 10 { length = (2..<10).reduce(0) { $0 << 8 | Int(bytes[index + $1]) }; header = 10 }
            guard bytes.count - index >= header + length else { break }
            if opcode == 0x8, length >= 2 { code = UInt16(bytes[index + header]) << 8 | UInt16(bytes[index + header + 1]) }
            index += header + length
        }
        return code
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
