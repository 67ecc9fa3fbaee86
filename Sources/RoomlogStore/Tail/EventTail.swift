import RoomlogCore

/// The log from a position on, as batches of events, waiting for new ones without end. Every tailer of a process
/// shares the process's one wake-up watcher. It ends (returns nil) when its task is cancelled.
public struct EventTail: AsyncSequence, Sendable {
    public typealias Element = [Event]

    let store: Store
    let start: UInt64

    /// An iterator that reads batches from the log and waits when it is at the head.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: Store
        let signal: WakeSignal
        /// The `seq` the next batch starts at.
        public private(set) var next: UInt64

        /// The next batch (never empty), or nil once the task is cancelled; throws `LMDBError` or `EventDecodingError`.
        public mutating func next() async throws -> [Event]? {
            while !Task.isCancelled {
                let generation = signal.generation
                let events = try store.events(from: next, limit: store.configuration.tailBatchEventsMax)
                if let last = events.last {
                    precondition(events.first?.seq == next, "the log has a gap before \(events.first?.seq ?? 0)")
                    next = last.seq + 1
                    return events
                }
                await signal.wait(after: generation)
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        // The signal was started by `Store.tail(from:)`, which throws if it cannot be.
        AsyncIterator(store: store, signal: try! store.wakeSignal(), next: start)
    }
}

extension Store {
    /// The log from `seq` on (inclusive), waiting for new events; throws `StoreError.system` if inotify is unavailable.
    public func tail(from seq: UInt64) throws -> EventTail {
        _ = try wakeSignal()
        return EventTail(store: self, start: max(seq, 1))
    }

    /// Blocks until the log may have grown past `generation` or `milliseconds` pass: for command-line tools that
    /// follow the log on one thread. Returns the generation to pass next time. Throws `StoreError.system`.
    public func waitForAppend(after generation: UInt64?, milliseconds: Int) throws -> UInt64 {
        let signal = try wakeSignal()
        guard let generation else { return signal.generation }
        signal.waitBlocking(after: generation, milliseconds: milliseconds)
        return signal.generation
    }
}
