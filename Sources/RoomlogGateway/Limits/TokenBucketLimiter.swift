import Synchronization

/// A rate per key: a token bucket of `burst` tokens refilled at `perSecond`, in a fixed table of `LimiterSlots`
/// (memory: slots x 16 bytes, whatever keys clients send). O(1) per request. Time is passed in.
final class TokenBucketLimiter: Sendable {
    let perSecond: Double
    let burst: Double
    private let slots: LimiterSlots
    /// Each slot's tokens and when they were counted (milliseconds; 0: never, a full bucket).
    private let buckets: Mutex<[(tokens: Double, at: Int64)]>

    init(perSecond: Double, burst: Double, slots: Int) {
        self.perSecond = perSecond
        self.burst = burst
        self.slots = LimiterSlots(count: slots)
        buckets = Mutex([(tokens: Double, at: Int64)](repeating: (burst, 0), count: slots))
    }

    /// Takes a token for `key` at `now` (milliseconds): nil when there was one, else the milliseconds until there is.
    func take(_ key: some Hashable, now: Int64) -> Int64? {
        let (first, second) = slots.slots(of: key)
        return buckets.withLock { buckets in
            let tokensFirst = refilled(buckets[first], now: now)
            let tokensSecond = refilled(buckets[second], now: now)
            let available = max(tokensFirst, tokensSecond)
            let taken: Double = available >= 1 ? 1 : 0
            buckets[first] = (max(0, tokensFirst - taken), now)
            buckets[second] = (max(0, tokensSecond - taken), now)
            return available >= 1 ? nil : Int64(((1 - available) * 1000 / perSecond).rounded(.up))
        }
    }

    private func refilled(_ bucket: (tokens: Double, at: Int64), now: Int64) -> Double {
        min(burst, bucket.tokens + Double(max(0, now - bucket.at)) * perSecond / 1000)
    }
}
