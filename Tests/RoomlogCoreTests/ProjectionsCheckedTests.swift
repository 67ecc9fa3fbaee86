import Testing
@testable import RoomlogCore

@Suite("Checked replay of a log")
struct ProjectionsCheckedTests {
    @Test("the sample log replays and ends with the expected projections")
    func sampleLog() throws {
        var projections = Projections()
        for event in SampleEvents.all.prefix(9) { try projections.applyChecked(event) }
        #expect(projections.rooms["kkbox"] == Room(name: "kkbox", topic: "food & \"talk\"", head: 5, members: 1))
        #expect(projections.members["kkbox"] == ["alice"])
        #expect(projections.userRooms["bob"] == nil)
        #expect(projections.clientMessages[.init(user: "alice", id: "c-19")] == MessageReceipt(id: "c-19", room: "kkbox", seq: 6, roomSeq: 3))
        #expect(projections.roomIndex["kkbox"] == [4, 5, 6, 7, 8])
    }

    @Test("a gap in seq is named")
    func gap() {
        var projections = Projections()
        #expect(throws: LogInconsistency(seq: 2, problem: "expected seq 1")) { try projections.applyChecked(SampleEvents.all[1]) }
        #expect(projections.appliedSeq == 0)
    }

    @Test("a gap in roomSeq is named")
    func roomGap() throws {
        var projections = Projections()
        for event in SampleEvents.all.prefix(4) { try projections.applyChecked(event) }
        let skipping = Event(seq: 5, at: SampleEvents.at, roomSeq: 3, payload: .messagePosted(user: "alice", room: "kkbox", body: "x", clientId: nil))
        #expect(throws: LogInconsistency.self) { try projections.applyChecked(skipping) }
        #expect(projections.appliedSeq == 4)
    }

    @Test("a message from a user nobody registered is named")
    func strangers() throws {
        var projections = Projections()
        for event in SampleEvents.all.prefix(4) { try projections.applyChecked(event) }
        let stranger = Event(seq: 5, at: SampleEvents.at, roomSeq: 2, payload: .messagePosted(user: "mallory", room: "kkbox", body: "x", clientId: nil))
        #expect(throws: LogInconsistency(seq: 5, problem: "unknown user mallory")) { try projections.applyChecked(stranger) }
    }
}
