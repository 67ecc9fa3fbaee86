import Glibc

/// Writes straight to file descriptor 1, unbuffered: a line written is a line the parent can read, even if this
/// process is killed right after (stdout's buffer would be lost on SIGKILL).
enum Output {
    static func line(_ text: String) {
        var text = text + "\n"
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Nanoseconds on the monotonic clock, which every process on the host shares.
    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
