import Foundation
import Glibc

/// Suspends the calling task for `milliseconds` without `Task.sleep`, whose timers come from libdispatch: once on this
/// machine a whole test run hung with every sleeping task waiting for good (libdispatch's CLOCK_BOOTTIME timerfd held
/// a tick nobody read, and was no longer armed in its epoll set). A thread of this module wakes the sleepers instead.
public func pause(milliseconds: Int) async {
    await withCheckedContinuation { continuation in
        Sleepers.shared.add(after: milliseconds, continuation)
    }
}

/// The tasks suspended in `pause`, each with its deadline, and the thread that resumes them.
final class Sleepers: @unchecked Sendable {
    static let shared = Sleepers()

    private let condition = NSCondition()
    private var waiting: [(deadline: UInt64, continuation: CheckedContinuation<Void, Never>)] = []

    private init() {
        let thread = Thread { [self] in run() }
        thread.name = "test-sleepers"
        thread.start()
    }

    /// Nanoseconds of the monotonic clock.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    func add(after milliseconds: Int, _ continuation: CheckedContinuation<Void, Never>) {
        condition.withLock {
            waiting.append((Self.now() + UInt64(max(milliseconds, 0)) * 1_000_000, continuation))
            condition.signal()
        }
    }

    private func run() {
        condition.lock()
        while true {
            let now = Self.now()
            let due = waiting.filter { $0.deadline <= now }
            if !due.isEmpty {
                waiting.removeAll { $0.deadline <= now }
                condition.unlock()
                for sleeper in due { sleeper.continuation.resume() }
                condition.lock()
                continue
            }
            if let next = waiting.map(\.deadline).min() {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(next - now) / 1e9))
            } else {
                condition.wait()
            }
        }
    }
}
