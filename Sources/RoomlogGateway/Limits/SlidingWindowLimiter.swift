import Synchronization

/// At most `attemptsMax` attempts per key in any sliding window of `windowMilliseconds`, in a fixed table of
/// `LimiterSlots`. Each slot keeps the times of its last `attemptsMax` attempts, so the table holds slots x
/// attemptsMax times of 8 bytes, whatever keys clients send: at most `timesMax` (fewer slots for a large limit).
/// Every attempt is recorded, refused or not. O(1) per attempt: a slot's oldest time is where its next one goes.
/// Time is passed in.
final class SlidingWindowLimiter: Sendable {
    let attemptsMax: Int
    let windowMilliseconds: Int64
    private let slots: LimiterSlots
    private let table: Mutex<Table>

    struct Table {
        /// For slot `s`, its attempt times at `s * attemptsMax ..< (s + 1) * attemptsMax` (`Int64.min`: none).
        var times: [Int64]
        /// For slot `s`, the index in its ring of its oldest attempt, which the next one replaces.
        var oldest: [Int32]
    }

    init(attemptsMax: Int, windowMilliseconds: Int64, slots requested: Int, timesMax: Int) {
        self.attemptsMax = attemptsMax
        self.windowMilliseconds = windowMilliseconds
        let slots = max(1, min(requested, timesMax / attemptsMax))
        self.slots = LimiterSlots(count: slots)
        table = Mutex(Table(times: [Int64](repeating: .min, count: slots * attemptsMax), oldest: [Int32](repeating: 0, count: slots)))
    }

    /// Whether an attempt under `key` at `now` (milliseconds) would be allowed, without recording it: nil if so,
    /// else the milliseconds until it would be.
    func refusal(_ key: some Hashable, now: Int64) -> Int64? {
        let (first, second) = slots.slots(of: key)
        return table.withLock { table in wait(table, first, second, now: now) }
    }

    /// Records an attempt under `key` at `now` (milliseconds): nil when it is within the limit, else the
    /// milliseconds until an attempt would be.
    func attempt(_ key: some Hashable, now: Int64) -> Int64? {
        let (first, second) = slots.slots(of: key)
        return table.withLock { table in
            let refusal = wait(table, first, second, now: now)
            record(&table, first, now: now)
            if second != first { record(&table, second, now: now) }
            return refusal
        }
    }

    /// How long until the oldest of the last `attemptsMax` attempts of either slot leaves the window; nil if one
    /// already has.
    private func wait(_ table: Table, _ first: Int, _ second: Int, now: Int64) -> Int64? {
        let start = now - windowMilliseconds
        let oldestFirst = table.times[first * attemptsMax + Int(table.oldest[first])]
        let oldestSecond = table.times[second * attemptsMax + Int(table.oldest[second])]
        let oldest = min(oldestFirst, oldestSecond)
        return oldest <= start ? nil : oldest - start
    }

    private func record(_ table: inout Table, _ slot: Int, now: Int64) {
        let position = Int(table.oldest[slot])
        table.times[slot * attemptsMax + position] = now
        table.oldest[slot] = Int32((position + 1) % attemptsMax)
    }
}
