import NIOCore

/// One room on one hub: its subscriptions, walked per event with no lookup per subscriber, and its recent events
/// that some subscription here may not have been written yet. A subscription an event reaches is only marked
/// behind; its connection's flush writes everything of the room past its `last` at once: one `event` frame per
/// event, or for a `batch=1` client the room's events since its last frame in as few `events` frames as fit. Those
/// frames are made once per range and shared by every subscriber flushed at the same position, so the busier the
/// loop (the longer between two flushes of a connection), the more events each write and each frame carries.
/// Touched only on its hub's loop.
final class HubRoom {
    let name: String
    var subscriptions: [Subscription] = []
    /// Delivered events, in `roomSeq` order, from the oldest that a subscription here may still lack.
    private(set) var recent: [Broadcast] = []
    /// Batch frames of the events from a `roomSeq` to the head, by that `roomSeq` and whether compressed; made on
    /// first use and dropped when the head moves.
    private var batchFrames: [BatchKey: [ByteBuffer]] = [:]
    /// Past this many recent events, `append` drops what every subscription has (`Hub` trims at each round's end).
    private var trimAt = HubRoom.trimAtLeast
    static let trimAtLeast = 256

    private struct BatchKey: Hashable {
        let first: UInt64
        let compressed: Bool
    }

    init(name: String) {
        self.name = name
    }

    /// The last `roomSeq` delivered here (0 before any).
    private(set) var head: UInt64 = 0

    var hasRecent: Bool { !recent.isEmpty }

    /// Adds the next event of the room.
    func append(_ event: Broadcast) {
        recent.append(event)
        head = event.roomSeq
        batchFrames.removeAll(keepingCapacity: true)
        if recent.count >= trimAt {
            trim()
            trimAt = max(Self.trimAtLeast, recent.count * 2)
        }
    }

    /// Drops the recent events that every subscription has had.
    func trim() {
        let lowest = subscriptions.reduce(head) { min($0, $1.last) }
        let kept = recent.firstIndex { $0.roomSeq > lowest } ?? recent.endIndex
        recent.removeSubrange(..<kept)
    }

    /// The recent events after `roomSeq`.
    func events(after roomSeq: UInt64) -> ArraySlice<Broadcast> {
        var low = recent.startIndex, high = recent.endIndex
        while low < high {
            let middle = (low + high) / 2
            if recent[middle].roomSeq <= roomSeq { low = middle + 1 } else { high = middle }
        }
        return recent[low...]
    }

    /// Writes the frames that bring a subscriber from `roomSeq` to the head: for a `batch=1` client with several
    /// events to get, the shared batch frames (an event too big for one goes alone); otherwise each event's frame.
    /// Stops at the first write that fails; returns how many events went.
    func write(after roomSeq: UInt64, batch: Bool, deflater: Deflater?, bytesMax: Int, _ write: (ByteBuffer) -> Bool) -> Int {
        let events = events(after: roomSeq)
        guard batch, events.count > 1 else {
            var written = 0
            for event in events {
                guard write(deflater == nil ? event.frame : event.compressed ?? event.frame) else { break }
                written += 1
            }
            return written
        }
        let key = BatchKey(first: events[events.startIndex].roomSeq, compressed: deflater != nil)
        let frames = batchFrames[key] ?? {
            let made = EventFrames.batches(room: name, records: events.map { ($0.roomSeq, $0.record) }, bytesMax: bytesMax).map { frame in
                deflater.flatMap { EncodedFrame.compressed(frame.json, with: $0) } ?? EncodedFrame.text(frame.json)
            }
            batchFrames[key] = made
            return made
        }()
        for frame in frames {
            guard write(frame) else { return 0 }
        }
        return events.count
    }
}
