import NIOPosix
import Testing
@testable import RoomlogGateway

@Suite("Expiry sweep")
struct ExpiryServiceTests {
    @Test("the sweep's wait ends when its timer fires, not before, and at once when its task is cancelled")
    func wait() async {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let started = ContinuousClock.now
        #expect(await ExpiryService.wait(milliseconds: 20, on: loop))
        #expect(ContinuousClock.now - started >= .milliseconds(20))
        let waiting = Task { await ExpiryService.wait(milliseconds: 600_000, on: loop) }
        waiting.cancel()
        #expect(await waiting.value == false)
    }
}
