import Foundation
public import RoomlogCore

/// The log from a position on, handed batch by batch to a handler on a dedicated thread that blocks on its own
/// inotify watch of the wake file: a commit in any process reaches the handler with a single thread wake-up, where
/// the `EventTail` sequence adds a hop to the awaiting task's executor. For consumers whose latency matters, such
/// as the gateway's broadcast. Batches hold at most `tailBatchEventsMax` events.
public final class LogFollower: Sendable {
    private let watch: WakeWatch

    /// Starts following `store` from `seq` (inclusive). `onBatch` gets each batch, never empty, in order, on the
    /// follower's thread (keep it quick); `onEnd` is called once on that thread, with nil after `stop()` or with
    /// the `LMDBError` or `EventDecodingError` that ended it. Throws `StoreError.system` if inotify is unavailable.
    public init(store: Store, from seq: UInt64, onBatch: @escaping @Sendable ([Event]) -> Void, onEnd: @escaping @Sendable ((any Error)?) -> Void) throws {
        let watch = try WakeWatch(path: store.wakeFile.path)
        self.watch = watch
        Thread.start(name: "roomlog-follow") {
            onEnd(Self.follow(store, from: max(seq, 1), watch, onBatch))
        }
    }

    /// Stops the thread after the batch it is handling, if any; `onEnd(nil)` follows.
    public func stop() {
        watch.stop()
    }

    private static func follow(_ store: Store, from start: UInt64, _ watch: WakeWatch, _ onBatch: ([Event]) -> Void) -> (any Error)? {
        var next = start
        repeat {
            do {
                while !watch.isStopped {
                    let events = try store.events(from: next, limit: store.configuration.tailBatchEventsMax)
                    guard let last = events.last else { break }
                    precondition(events.first?.seq == next, "the log has a gap before \(events.first?.seq ?? 0)")
                    next = last.seq + 1
                    onBatch(events)
                }
            } catch {
                return error
            }
        } while watch.wait(milliseconds: store.configuration.tailSafetyPollMilliseconds)
        return nil
    }
}
