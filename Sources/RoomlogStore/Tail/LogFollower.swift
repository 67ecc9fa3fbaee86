import Foundation
public import RoomlogCore
import Synchronization

/// The log from a position on, handed batch by batch to a handler on a dedicated thread that blocks on its own
/// inotify watch of the wake file: a commit in any process reaches the handler with a single thread wake-up, where
/// the `EventTail` sequence adds a hop to the awaiting task's executor. For consumers whose latency matters, such
/// as the gateway's broadcast. Batches hold at most `tailBatchEventsMax` events.
///
/// A follower attached to its process's writer (`LogWriter.attach`) also gets that writer's commits straight from
/// the completion thread, once durable: no wake-up and no second read of the log. The next position is kept under a
/// lock that each batch holds while handled, so either thread hands on a batch only if it is the very next, and
/// batches never overlap; what the writer offers while the thread reads is left for the thread to read.
public final class LogFollower: Sendable {
    private let watch: WakeWatch
    /// The next seq to hand on; held while a batch is handed on.
    private let next: Mutex<UInt64>
    private let onBatch: @Sendable ([Event]) -> Void
    private let batchEventsMax: Int

    /// Starts following `store` from `seq` (inclusive). `onBatch` gets each batch, never empty, in order, on the
    /// follower's thread or the writer's completion thread (keep it quick); `onEnd` is called once on the
    /// follower's thread, with nil after `stop()` or with the `LMDBError` or `EventDecodingError` that ended it.
    /// Throws `StoreError.system` if inotify is unavailable.
    public init(store: Store, from seq: UInt64, onBatch: @escaping @Sendable ([Event]) -> Void, onEnd: @escaping @Sendable ((any Error)?) -> Void) throws {
        let watch = try WakeWatch(path: store.wakeFile.path)
        self.watch = watch
        next = Mutex(max(seq, 1))
        self.onBatch = onBatch
        batchEventsMax = store.configuration.tailBatchEventsMax
        Thread.start(name: "roomlog-follow") { [self] in
            onEnd(follow(store))
        }
    }

    /// Stops the thread after the batch it is handling, if any; `onEnd(nil)` follows.
    public func stop() {
        watch.stop()
    }

    /// Hands on `events` (durable, in order) at once, in batches, if they are consecutive, the next, and no batch is
    /// being handled; else does nothing, and the thread reads them when the wake file wakes it.
    func offer(_ events: [Event]) {
        guard let first = events.first?.seq, let last = events.last?.seq, last - first + 1 == events.count, !watch.isStopped else { return }
        next.withLockIfAvailable { next in
            guard first == next else { return }
            for start in stride(from: 0, to: events.count, by: batchEventsMax) {
                onBatch(Array(events[start..<min(start + batchEventsMax, events.count)]))
            }
            next = last + 1
        }
    }

    private func follow(_ store: Store) -> (any Error)? {
        repeat {
            do {
                while try !watch.isStopped && next.withLock({ next in
                    let events = try store.events(from: next, limit: batchEventsMax)
                    guard let last = events.last else { return false }
                    precondition(events.first?.seq == next, "the log has a gap before \(events.first?.seq ?? 0)")
                    onBatch(events)
                    next = last.seq + 1
                    return true
                }) {}
            } catch {
                return error
            }
        } while watch.wait(milliseconds: store.configuration.tailSafetyPollMilliseconds)
        return nil
    }
}
