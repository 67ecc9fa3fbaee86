import Synchronization

/// How many WebSockets each session has open on this gateway, at most `perSessionMax` each. An entry exists only
/// while its session has a socket open, so the table is bounded by the gateway's connections.
final class SessionSockets: Sendable {
    let perSessionMax: Int
    private let counts = Mutex<[String: Int]>([:])

    init(perSessionMax: Int) {
        self.perSessionMax = perSessionMax
    }

    /// Counts a new socket of `session`; false (and nothing counted) when it has `perSessionMax` already.
    func reserve(_ session: String) -> Bool {
        counts.withLock { counts in
            let count = counts[session, default: 0]
            guard count < perSessionMax else { return false }
            counts[session] = count + 1
            return true
        }
    }

    /// Forgets a socket of `session`.
    func release(_ session: String) {
        counts.withLock { counts in
            let count = counts[session, default: 1] - 1
            counts[session] = count > 0 ? count : nil
        }
    }
}
