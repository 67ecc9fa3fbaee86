import Foundation

/// One watcher thread per process that turns inotify events on the wake file into a generation count, and wakes
/// every waiting tailer of the process at once. It also ticks every `safetyPollMilliseconds`, so a writer killed
/// between its commit and its touch cannot stall tailers.
final class WakeSignal: @unchecked Sendable {
    private let watch: WakeWatch
    private let safetyPollMilliseconds: Int
    private let condition = NSCondition()
    private var generationValue: UInt64 = 0
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiterId: UInt64 = 0

    /// Starts watching `path`; throws `StoreError.system`.
    init(path: String, safetyPollMilliseconds: Int) throws {
        watch = try WakeWatch(path: path)
        self.safetyPollMilliseconds = safetyPollMilliseconds
        let thread = Thread { [self] in run() }
        thread.name = "roomlog-wake"
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
        watch.stop()
    }

    private func run() {
        while watch.wait(milliseconds: safetyPollMilliseconds) { wakeAll() }
        wakeAll()
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
