import Glibc

/// Buffered output to a file descriptor (standard output by default) that reports a closed pipe as
/// `LineOutput.Closed`, so that `roomlog tail | head` ends quietly.
public final class LineOutput {
    /// The reader of the output went away.
    public struct Closed: Error {}

    /// How many bytes are buffered before a write.
    public static let bufferBytesMax = 1 << 16

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Output to `descriptor`. Ignores SIGPIPE so that a closed pipe is an error, not a signal.
    public init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        signal(SIGPIPE, SIG_IGN)
        buffer.reserveCapacity(Self.bufferBytesMax)
    }

    /// Adds `bytes` and a newline; writes when the buffer is full. Throws `Closed`.
    public func line(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= Self.bufferBytesMax { try flush() }
    }

    /// Adds a line of text. Throws `Closed`.
    public func line(_ text: String) throws {
        try line(Array(text.utf8))
    }

    /// Whether the reader has gone away (a pipe whose read end is closed), without writing.
    public var readerIsGone: Bool {
        var descriptor = pollfd(fd: self.descriptor, events: 0, revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents & Int16(POLLERR | POLLHUP) != 0
    }

    /// Writes everything buffered. Throws `Closed`.
    public func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                buffer = []
                throw Closed()
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
