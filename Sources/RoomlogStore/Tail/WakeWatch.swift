import Glibc
import Synchronization

/// An inotify watch of the wake file plus a stop pipe: what a thread blocks on to learn that some process committed.
/// A commit between a read of the log and the next `wait` is not lost: its event stays queued on the descriptor.
final class WakeWatch: @unchecked Sendable {
    private let inotify: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private let stopped = Atomic<Bool>(false)

    /// Starts watching the file at `path`; throws `StoreError.system`.
    init(path: String) throws {
        inotify = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard inotify >= 0 else { throw StoreError.system(operation: "inotify_init1", errno: errno) }
        guard inotify_add_watch(inotify, path, UInt32(IN_MODIFY)) >= 0 else {
            let error = errno
            close(inotify)
            throw StoreError.system(operation: "inotify_add_watch \(path)", errno: error)
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            let error = errno
            close(inotify)
            throw StoreError.system(operation: "pipe2", errno: error)
        }
        stopPipe = (fds[0], fds[1])
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    }

    deinit {
        close(inotify)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    /// Blocks until the file is written, `milliseconds` pass, or `stop()` was called; returns false once stopped.
    /// Drains the queued notifications, so the next wait blocks until the next write.
    func wait(milliseconds: Int) -> Bool {
        var polls = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0)]
        _ = poll(&polls, 2, Int32(milliseconds))
        if polls[1].revents != 0 { return false }
        if polls[0].revents != 0 {
            while read(inotify, &buffer, buffer.count) > 0 {}
        }
        return true
    }

    /// Makes every current and later `wait` return false, and `isStopped` true.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
    }

    /// Whether `stop()` was called.
    var isStopped: Bool { stopped.load(ordering: .relaxed) }
}
