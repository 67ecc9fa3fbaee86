import Synchronization

/// The per-session message rate: a token bucket of `burst` tokens refilled at `perSecond`, shared by every
/// connection of the session on this gateway. Time is passed in.
final class SendLimiter: Sendable {
    private let perSecond: Double
    private let burst: Double
    private let sessionsMax: Int
    private let buckets = Mutex<[String: (tokens: Double, at: Int64)]>([:])

    init(perSecond: Double, burst: Double, sessionsMax: Int = 100_000) {
        self.perSecond = perSecond
        self.burst = burst
        self.sessionsMax = sessionsMax
    }

    /// Takes a token for `session` at `now` (milliseconds); returns false when the bucket is empty.
    func allow(_ session: String, now: Int64) -> Bool {
        buckets.withLock { buckets in
            if buckets[session] == nil, buckets.count >= sessionsMax {
                buckets = buckets.filter { self.refilled($0.value, now: now) < burst }
            }
            var tokens = buckets[session].map { refilled($0, now: now) } ?? burst
            guard tokens >= 1 else {
                buckets[session] = (tokens, now)
                return false
            }
            tokens -= 1
            buckets[session] = (tokens, now)
            return true
        }
    }

    private func refilled(_ bucket: (tokens: Double, at: Int64), now: Int64) -> Double {
        min(burst, bucket.tokens + Double(max(0, now - bucket.at)) * perSecond / 1000)
    }
}
