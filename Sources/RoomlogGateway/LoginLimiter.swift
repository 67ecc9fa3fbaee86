import Synchronization

/// The login rate limit: attempts in a sliding window, counted per user name and per client address separately.
/// Every attempt counts, failed, malformed or not. Pure but for its lock: time is passed in.
final class LoginLimiter: Sendable {
    private let attemptsMax: Int
    private let windowMilliseconds: Int64
    private let keysMax: Int
    private let attempts = Mutex<[String: [Int64]]>([:])

    init(attemptsMax: Int, windowMilliseconds: Int64, keysMax: Int) {
        self.attemptsMax = attemptsMax
        self.windowMilliseconds = windowMilliseconds
        self.keysMax = keysMax
    }

    /// Records an attempt under `key` at `now` (milliseconds); returns false when it is over the limit.
    func allow(_ key: String, now: Int64) -> Bool {
        attempts.withLock { attempts in
            if attempts[key] == nil, attempts.count >= keysMax { prune(&attempts, now: now) }
            var times = attempts[key, default: []].filter { $0 > now - windowMilliseconds }
            times.append(now)
            if times.count > attemptsMax + 1 { times.removeFirst(times.count - attemptsMax - 1) }
            attempts[key] = times
            return times.count <= attemptsMax
        }
    }

    private func prune(_ attempts: inout [String: [Int64]], now: Int64) {
        attempts = attempts.filter { $0.value.last.map { $0 > now - windowMilliseconds } ?? false }
        while attempts.count >= keysMax, let key = attempts.keys.first { attempts[key] = nil }
    }
}
