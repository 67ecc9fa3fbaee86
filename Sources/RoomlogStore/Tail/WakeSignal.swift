import Foundation
import Glibc

/// One watcher thread per process that turns inotify events on the wake file into a generation count, and wakes
/// every waiting tailer of the process at once. It also ticks every `safetyPollMilliseconds`, so a writer killed
/// between its commit and its touch cannot stall tailers.
final class WakeSignal: @unchecked Sendable {
    private let inotify: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let safetyPollMilliseconds: Int32
    private let condition = NSCondition()
    private var generationValue: UInt64 = 0
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiterId: UInt64 = 0
    private var thread: Thread?

    /// Starts watching `path`; throws `StoreError.system`.
    init(path: String, safetyPollMilliseconds: Int) throws {
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
        self.safetyPollMilliseconds = Int32(safetyPollMilliseconds)
        let thread = Thread { [self] in run() }
        thread.name = "roomlog-wake"
        self.thread = thread
        thread.start()
    }

    /// The number of wake-ups so far.
    var generation: UInt64 {
        condition.withLock { generationValue }
    }

    /// Returns once the generation is past `generation` (or at once if it already is, or the task is cancelled).
    func wait(after generation: UInt64) async {
        let id = condition.withLock { () -> UInt64 in
            nextWaiterId += 1
            return nextWaiterId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = condition.withLock { () -> Bool in
                    if generationValue > generation || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = condition.withLock { waiters.removeValue(forKey: id) }
            continuation?.resume()
        }
    }

    /// Blocks the calling thread until the generation is past `generation` or `milliseconds` pass.
    func waitBlocking(after generation: UInt64, milliseconds: Int) {
        condition.withLock {
            let deadline = Date(timeIntervalSinceNow: Double(milliseconds) / 1000)
            while generationValue <= generation, condition.wait(until: deadline) {}
        }
    }

    /// Stops the watcher thread and wakes every waiter.
    func stop() {
        var byte: UInt8 = 0
        _ = write(stopPipe.write, &byte, 1)
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var polls = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0)]
        while true {
            _ = poll(&polls, 2, safetyPollMilliseconds)
            if polls[1].revents != 0 { break }
            if polls[0].revents != 0 {
                while read(inotify, &buffer, buffer.count) > 0 {}
            }
            wakeAll()
        }
        wakeAll()
        close(inotify)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    private func wakeAll() {
        let woken = condition.withLock { () -> [CheckedContinuation<Void, Never>] in
            generationValue += 1
            condition.broadcast()
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }
}
