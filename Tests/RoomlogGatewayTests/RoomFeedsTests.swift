import Testing
@testable import RoomlogGateway

@Suite("Room feeds")
struct RoomFeedsTests {
    @Test("a room is caught up, then live; a subscribe with after replaces it; stop hands back the live one")
    func lifecycle() {
        var feeds = RoomFeeds<Int>(waitingMax: 4)
        let r1 = feeds.follow("a", after: 3, replacing: false)
        #expect(r1 == (true, nil))
        let r2 = feeds.follow("a", after: 9, replacing: false)
        #expect(r2 == (false, nil))
        #expect(feeds.catchingUp.map(\.after) == [3])
        feeds.advanced("a", to: 7)
        #expect(feeds.catchingUp.map(\.after) == [7])
        feeds.caughtUp("a", live: 42)
        #expect(feeds.catchingUp.isEmpty && feeds.live == [42])
        feeds.advanced("a", to: 99)
        #expect(feeds.live == [42])
        let r3 = feeds.follow("a", after: 1, replacing: true)
        #expect(r3 == (true, 42))
        #expect(feeds.live.isEmpty && feeds.catchingUp.map(\.after) == [1])
        let r4 = feeds.stop("a")
        #expect(r4 == nil)
        #expect(feeds.feeds.isEmpty)
        feeds.caughtUp("a", live: 1)
        #expect(feeds.feeds.isEmpty)
    }

    @Test("frames wait for the joins and leaves of their room, at most waitingMax of them, and run once all settle")
    func waiting() {
        var feeds = RoomFeeds<Int>(waitingMax: 2)
        #expect(!feeds.mustWait("a"))
        feeds.membershipChangeStarted("a")
        feeds.membershipChangeStarted("a")
        #expect(feeds.mustWait("a") && !feeds.mustWait("b"))
        let r5 = feeds.hold(.subscribe(room: "a", after: 1, epoch: nil))
        #expect(r5)
        let r6 = feeds.hold(.unsubscribe(room: "a"))
        #expect(r6)
        let r7 = feeds.hold(.subscribe(room: "a", after: nil, epoch: nil))
        #expect(!r7)
        let r8 = feeds.membershipChangeSettled("a")
        #expect(r8.isEmpty)
        let r9 = feeds.membershipChangeSettled("a")
        #expect(r9 == [.subscribe(room: "a", after: 1, epoch: nil), .unsubscribe(room: "a")])
        #expect(!feeds.mustWait("a"))
        let r10 = feeds.hold(.unsubscribe(room: "b"))
        #expect(r10)
    }
}
