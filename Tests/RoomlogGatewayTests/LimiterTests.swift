import Testing
@testable import RoomlogGateway

@Suite("Limiters")
struct LimiterTests {
    @Test("a sliding window allows attemptsMax in any window, counts refused attempts too, and says when to retry")
    func slidingWindow() {
        let limiter = SlidingWindowLimiter(attemptsMax: 3, windowMilliseconds: 1000, slots: 64, timesMax: 1 << 20)
        #expect(limiter.attempt("a", now: 10_000) == nil)
        #expect(limiter.attempt("a", now: 10_100) == nil)
        #expect(limiter.attempt("a", now: 10_200) == nil)
        #expect(limiter.attempt("a", now: 10_300) == 700)
        #expect(limiter.attempt("a", now: 11_050) == 50)  // the refused attempt at 10,300 counts: 10,100 leaves last
        #expect(limiter.refusal("a", now: 11_400) == nil)
        #expect(limiter.attempt("b", now: 10_300) == nil)
    }

    @Test("a flood of other keys never resets a key that is over its limit, and the table never grows")
    func flood() {
        let limiter = SlidingWindowLimiter(attemptsMax: 10, windowMilliseconds: 60_000, slots: 1024, timesMax: 1 << 20)
        for attempt in 0..<11 { _ = limiter.attempt("victim", now: 1000 + Int64(attempt)) }
        #expect(limiter.refusal("victim", now: 2000) != nil)
        for key in 0..<100_000 { _ = limiter.attempt(String(repeating: "x", count: 200) + "\(key)", now: 2000) }
        #expect(limiter.refusal("victim", now: 3000) != nil)
        #expect(limiter.refusal("victim", now: 63_000) == nil)
    }

    @Test("a huge limit gets fewer slots, not a huge table, and still counts exactly for one key")
    func hugeLimit() {
        let limiter = SlidingWindowLimiter(attemptsMax: 100_000, windowMilliseconds: 60_000, slots: 32_768, timesMax: 1 << 20)
        for attempt in 0..<100_000 { #expect(limiter.attempt("a", now: 1000 + Int64(attempt / 1000)) == nil) }
        #expect(limiter.attempt("a", now: 2000) != nil)
    }

    @Test("a token bucket gives its burst, then its rate, and refuses with the wait for the next token")
    func tokenBucket() {
        let limiter = TokenBucketLimiter(perSecond: 5, burst: 20, slots: 64)
        for _ in 0..<20 { #expect(limiter.take("s", now: 1000) == nil) }
        #expect(limiter.take("s", now: 1000) == 200)
        #expect(limiter.take("s", now: 1200) == nil)
        #expect(limiter.take("s", now: 1200) == 200)
        #expect(limiter.take("other", now: 1200) == nil)
    }

    @Test("a session's sockets are counted up to the limit and released")
    func sockets() {
        let sockets = SessionSockets(perSessionMax: 2)
        #expect(sockets.reserve("s") && sockets.reserve("s") && !sockets.reserve("s") && sockets.reserve("t"))
        sockets.release("s")
        #expect(sockets.reserve("s"))
    }
}
