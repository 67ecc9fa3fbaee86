import CZlib
import NIOCore
import Foundation

/// permessage-deflate (RFC 7692) with no context takeover in either direction, so that every message is
/// compressed on its own: one compressed broadcast frame serves every subscriber that negotiated it.
enum PerMessageDeflate {
    /// The answer to a client that offers the extension.
    static let responseHeader = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
    /// Messages shorter than this, in bytes, are sent uncompressed.
    static let compressBytesMin = 64

    /// Whether a `Sec-WebSocket-Extensions` request header offers permessage-deflate.
    static func offered(in header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { offer in
            offer.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "permessage-deflate"
        }
    }
}

/// A raw-deflate compressor, reset for every message. Used by one thread at a time.
final class Deflater: @unchecked Sendable {
    private var stream = z_stream()

    init() {
        let result = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(result == Z_OK, "deflateInit2 failed: \(result)")
    }

    deinit {
        deflateEnd(&stream)
    }

    /// The compressed form of `input`, without the final empty block's `00 00 FF FF` (RFC 7692 7.2.1).
    func compress(_ input: [UInt8]) -> [UInt8] {
        deflateReset(&stream)
        var (output, _) = zlibPump(&stream, input, chunkBytes: max(256, input.count / 2 + 64), bytesMax: .max) { deflate($0, Z_SYNC_FLUSH) }
        if output.suffix(4) == [0x00, 0x00, 0xFF, 0xFF] { output.removeLast(4) }
        return output
    }
}

/// Runs `step` (one `deflate` or `inflate` call) over `input` until zlib leaves output room unused, or until the
/// output passes `bytesMax`; returns the output and the first result that is an error (nil if none).
private func zlibPump(_ stream: inout z_stream, _ input: [UInt8], chunkBytes: Int, bytesMax: Int,
                      _ step: (UnsafeMutablePointer<z_stream>) -> Int32) -> ([UInt8], Int32?) {
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: chunkBytes)
    var failure: Int32?
    input.withUnsafeBufferPointer { inputBuffer in
        stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
        stream.avail_in = UInt32(inputBuffer.count)
        repeat {
            chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                stream.next_out = chunkBuffer.baseAddress
                stream.avail_out = UInt32(chunkBuffer.count)
                let result = step(&stream)
                if result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR { failure = result }
                output.append(contentsOf: chunkBuffer[0..<(chunkBuffer.count - Int(stream.avail_out))])
            }
        } while failure == nil && output.count <= bytesMax && stream.avail_out == 0
    }
    return (output, failure)
}

/// A raw-deflate decompressor with an output limit, reset for every message. Used by one thread at a time.
final class Inflater: @unchecked Sendable {
    private var stream = z_stream()

    init() {
        let result = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(result == Z_OK, "inflateInit2 failed: \(result)")
    }

    deinit {
        inflateEnd(&stream)
    }

    enum Failure: Error {
        case tooLarge
        case corrupt
    }

    /// The message that `input` compresses; throws `Failure.tooLarge` past `bytesMax` bytes, `.corrupt` for bad data.
    func decompress(_ input: [UInt8], bytesMax: Int) throws(Failure) -> [UInt8] {
        inflateReset(&stream)
        let (output, failure) = zlibPump(&stream, input + [0x00, 0x00, 0xFF, 0xFF], chunkBytes: 4096, bytesMax: bytesMax) { inflate($0, Z_SYNC_FLUSH) }
        if failure != nil { throw .corrupt }
        if output.count > bytesMax { throw .tooLarge }
        return output
    }
}
