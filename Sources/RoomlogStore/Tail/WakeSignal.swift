import Foundation

/// One watcher thread per process that turns inotify events on the wake file into a generation count, and wakes
/// every thread of the process that waits for an append (`roomlog tail --follow`) at once. It also ticks every
/// `safetyPollMilliseconds`, so a writer killed between its commit and its touch cannot stall tailers.
final class WakeSignal: @unchecked Sendable {
    private let watch: WakeWatch
    private let safetyPollMilliseconds: Int
    private let condition = NSCondition()
    private var generationValue: UInt64 = 0

    /// Starts watching `path`; throws `StoreError.system`.
    init(path: String, safetyPollMilliseconds: Int) throws {
        watch = try WakeWatch(path: path)
        self.safetyPollMilliseconds = safetyPollMilliseconds
        Thread.start(name: "roomlog-wake") { [self] in run() }
    }

    /// The number of wake-ups so far.
    var generation: UInt64 {
        condition.withLock { generationValue }
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
        condition.withLock {
            generationValue += 1
            condition.broadcast()
        }
    }
}
