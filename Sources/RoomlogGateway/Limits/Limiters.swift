/// The gateway's rate limits, each a fixed-size table (see `LimiterSlots`), and the refusals they give: every
/// refusal names its limit and says when to retry.
struct Limiters: Sendable {
    let loginsByName: SlidingWindowLimiter
    let loginsByAddress: SlidingWindowLimiter
    let registrationsByAddress: SlidingWindowLimiter
    let roomCreationsBySession: SlidingWindowLimiter
    let sendsBySession: TokenBucketLimiter
    let membershipsBySession: TokenBucketLimiter

    init(_ configuration: GatewayConfiguration) {
        let slots = configuration.limiterSlots
        func window(_ attemptsMax: Int) -> SlidingWindowLimiter {
            SlidingWindowLimiter(attemptsMax: attemptsMax, windowMilliseconds: configuration.limitWindowMilliseconds, slots: slots,
                                 timesMax: configuration.limiterTimesMax)
        }
        loginsByName = window(configuration.loginAttemptsMax)
        loginsByAddress = window(configuration.loginAttemptsMax)
        registrationsByAddress = window(configuration.registrationsPerWindow)
        roomCreationsBySession = window(configuration.roomsCreatedPerWindow)
        sendsBySession = TokenBucketLimiter(perSecond: configuration.sendsPerSecond, burst: configuration.sendBurstMessages, slots: slots)
        membershipsBySession = TokenBucketLimiter(perSecond: configuration.membershipsPerSecond, burst: configuration.membershipBurstChanges, slots: slots)
    }

    /// Records a login attempt from `address` naming `name` at `now`; the refusal if either is over its limit. A
    /// name is not counted while its address is over the limit (so one address cannot fill the name table).
    func login(address: String, name: String?, now: Int64) -> RateRefusal? {
        if let wait = loginsByAddress.attempt(address, now: now) {
            return RateRefusal(limit: "login-attempts-per-minute \(loginsByAddress.attemptsMax) per address", waitMilliseconds: wait)
        }
        guard let name, let wait = loginsByName.attempt(name, now: now) else { return nil }
        return RateRefusal(limit: "login-attempts-per-minute \(loginsByName.attemptsMax) per user name", waitMilliseconds: wait)
    }

    /// Records a registration from `address`; the refusal if it is over the limit.
    func register(address: String, now: Int64) -> RateRefusal? {
        registrationsByAddress.attempt(address, now: now).map {
            RateRefusal(limit: "registrations-per-minute \(registrationsByAddress.attemptsMax) per address", waitMilliseconds: $0)
        }
    }

    /// Records a room creation by `session`; the refusal if it is over the limit.
    func createRoom(session: String, now: Int64) -> RateRefusal? {
        roomCreationsBySession.attempt(session, now: now).map {
            RateRefusal(limit: "rooms-created-per-minute \(roomCreationsBySession.attemptsMax) per session", waitMilliseconds: $0)
        }
    }

    /// Takes a message from `session`'s rate; the refusal if it has none left.
    func send(session: String, now: Int64) -> RateRefusal? {
        sendsBySession.take(session, now: now).map {
            RateRefusal(limit: "sends-per-second \(format(sendsBySession.perSecond)), bursts of \(format(sendsBySession.burst)), per session", waitMilliseconds: $0)
        }
    }

    /// Takes a join or leave from `session`'s rate; the refusal if it has none left.
    func membership(session: String, now: Int64) -> RateRefusal? {
        membershipsBySession.take(session, now: now).map {
            RateRefusal(limit: "memberships-per-second \(format(membershipsBySession.perSecond)), bursts of \(format(membershipsBySession.burst)), per session",
                        waitMilliseconds: $0)
        }
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A request refused by a rate limit: which limit, and how long until it would pass.
struct RateRefusal: Error, Equatable {
    let limit: String
    let waitMilliseconds: Int64

    /// `message` for clients: the limit and when to retry.
    var message: String { "rate limited by \(limit); retry in \(retryAfterSeconds) s" }
    /// The wait in whole seconds, at least 1.
    var retryAfterSeconds: Int { max(1, Int((waitMilliseconds + 999) / 1000)) }
}
