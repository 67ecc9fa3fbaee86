/// One room as one connection follows it: either catching up from the log after a `roomSeq`, or live in its hub
/// (where the hub's subscription keeps the last `roomSeq` written). Never both: it is one value.
enum RoomFeed<Live> {
    case catchingUp(after: UInt64)
    case live(Live)
}

/// The rooms one connection follows, and its joins and leaves that are waiting for the writer together with the
/// subscribe and unsubscribe frames that wait for them (so frames sent together take effect in the order sent).
/// A plain value; `Live` is the hub's subscription (any type in tests). Bounded: a feed per room the user is a
/// member of (`rooms-per-user-max`), joins and leaves by their rate, and at most `waitingMax` waiting frames.
struct RoomFeeds<Live> {
    private(set) var feeds: [String: RoomFeed<Live>] = [:]
    private var changesInFlight: [String: Int] = [:]
    private var waiting: [String: [ClientCommand]] = [:]
    private var waitingCount = 0
    let waitingMax: Int

    init(waitingMax: Int) {
        self.waitingMax = waitingMax
    }

    /// The rooms being caught up, with the last `roomSeq` sent of each.
    var catchingUp: [(room: String, after: UInt64)] {
        feeds.compactMap { room, feed in
            if case .catchingUp(let after) = feed { return (room, after) }
            return nil
        }
    }

    /// Every live subscription.
    var live: [Live] {
        feeds.values.compactMap { feed in
            if case .live(let live) = feed { return live }
            return nil
        }
    }

    /// Starts following `room` from after `roomSeq`, catching up first. Unless `replacing`, a room already followed
    /// stays as it is (returns false). Returns true when a catch-up starts; `stopped` is the live subscription it
    /// replaces, which the hub must drop.
    mutating func follow(_ room: String, after roomSeq: UInt64, replacing: Bool) -> (started: Bool, stopped: Live?) {
        guard replacing || feeds[room] == nil else { return (false, nil) }
        let stopped = stop(room)
        feeds[room] = .catchingUp(after: roomSeq)
        return (true, stopped)
    }

    /// Stops following `room`; returns its live subscription, which the hub must drop.
    mutating func stop(_ room: String) -> Live? {
        guard case .live(let live)? = feeds.removeValue(forKey: room) else { return nil }
        return live
    }

    /// A catch-up of `room` sent up to `roomSeq` and has more to send.
    mutating func advanced(_ room: String, to roomSeq: UInt64) {
        guard case .catchingUp? = feeds[room] else { return }
        feeds[room] = .catchingUp(after: roomSeq)
    }

    /// A catch-up of `room` reached the head: it goes live with `live`.
    mutating func caughtUp(_ room: String, live: Live) {
        guard case .catchingUp? = feeds[room] else { return }
        feeds[room] = .live(live)
    }

    /// Whether a subscribe or unsubscribe of `room` must wait for a join or leave of it in flight.
    func mustWait(_ room: String) -> Bool {
        changesInFlight[room] != nil
    }

    /// Holds `command` until the joins and leaves of its room settle; false (not held) past `waitingMax`.
    mutating func hold(_ command: ClientCommand) -> Bool {
        guard waitingCount < waitingMax else { return false }
        waiting[command.room, default: []].append(command)
        waitingCount += 1
        return true
    }

    /// A join or leave of `room` went to the writer.
    mutating func membershipChangeStarted(_ room: String) {
        changesInFlight[room, default: 0] += 1
    }

    /// A join or leave of `room` was committed or refused; returns the frames to run now that none is in flight.
    mutating func membershipChangeSettled(_ room: String) -> [ClientCommand] {
        let remaining = changesInFlight[room, default: 1] - 1
        guard remaining == 0 else {
            changesInFlight[room] = remaining
            return []
        }
        changesInFlight[room] = nil
        let released = waiting.removeValue(forKey: room) ?? []
        waitingCount -= released.count
        return released
    }
}
