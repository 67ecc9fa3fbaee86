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

    @Test("a bad message is named as the general check names it, and changes nothing", arguments: [
        ("mallory", "kkbox", UInt64(6), "c-1"), ("alice", "nowhere", 6, "c-1"), ("alice", "kkbox", 7, "c-1"),
        ("bob", "kkbox", 6, nil), ("alice", "kkbox", 6, "c-19"), ("alice", "nowhere", 6, "c-19"), ("bob", "kkbox", 9, "c-2"),
    ] as [(String, String, UInt64, String?)])
    func badMessages(user: String, room: String, roomSeq: UInt64, clientId: String?) throws {
        var projections = Projections()
        for event in SampleEvents.all.prefix(8) { try projections.applyChecked(event) }
        let before = projections
        let message = Event(seq: 9, at: SampleEvents.at, roomSeq: roomSeq, payload: .messagePosted(user: user, room: room, body: "x", clientId: clientId))
        let expected = try #require(projections.problem(with: message))
        #expect(throws: LogInconsistency(seq: 9, problem: expected)) { try projections.applyChecked(message) }
        #expect(projections == before)
    }

    @Test("a good message applies as the reducer applies it")
    func goodMessage() throws {
        var checked = Projections()
        for event in SampleEvents.all.prefix(8) { try checked.applyChecked(event) }
        var plain = checked
        let message = Event(seq: 9, at: SampleEvents.at, roomSeq: 6, payload: .messagePosted(user: "alice", room: "kkbox", body: "x", clientId: "c-20"))
        try checked.applyChecked(message)
        plain.apply(message)
        #expect(checked == plain)
        #expect(checked.rooms["kkbox"]?.head == 6)
    }
}

@Suite("Client id lists")
struct ClientIdListTests {
    func receipt(_ id: String, seq: UInt64) -> MessageReceipt { MessageReceipt(id: id, room: "r", seq: seq, roomSeq: seq) }

    @Test("ids sort by user, then id, byte by byte, a prefix first, however long their common start")
    func order() throws {
        let entries = [("bob", "b"), ("al", "zz"), ("alice-with-a-long-name", "id-2"), ("alice", "b"), ("alice-with-a-long-name", "id-10"), ("alice", "a"), ("alice", "ab")]
        var list = ClientIdList()
        for (index, (user, id)) in entries.enumerated() { list.append(user: user, receipt(id, seq: UInt64(index + 1))) }
        let sorted = try list.sortedIndices().map { entries[$0] }
        #expect(sorted.map { "\($0.0)/\($0.1)" } == ["al/zz", "alice/a", "alice/ab", "alice/b", "alice-with-a-long-name/id-10", "alice-with-a-long-name/id-2", "bob/b"])
        #expect(list.dictionary == Dictionary(uniqueKeysWithValues: entries.enumerated().map { (Projections.ClientKey(user: $1.0, id: $1.1), receipt($1.1, seq: UInt64($0 + 1))) }))
    }

    @Test("the first repeat is named at its seq, whatever the other repeats")
    func repeats() {
        var list = ClientIdList()
        let uses: [(String, String)] = [("u", "x"), ("u", "y"), ("long-user-name-1", "same-id"), ("u", "x"), ("long-user-name-1", "same-id"), ("u", "x"), ("v", "x")]
        for (index, (user, id)) in uses.enumerated() { list.append(user: user, receipt(id, seq: UInt64(index + 10))) }
        #expect(throws: LogInconsistency(seq: 13, problem: "client id x is used twice")) { try list.sortedIndices() }
        #expect(list.repeatedId(before: 13) == nil)
        #expect(list.repeatedId(before: 14) == LogInconsistency(seq: 13, problem: "client id x is used twice"))
    }

    @Test("two lists differ at the ids found in one only and the ids with another receipt")
    func differingKeys() throws {
        var stored = ClientIdList(), rebuilt = ClientIdList()
        for (user, id, seq) in [("a", "1", UInt64(1)), ("a", "2", 2), ("b", "1", 3), ("c", "9", 4)] { stored.append(user: user, receipt(id, seq: seq)) }
        for (user, id, seq) in [("c", "9", UInt64(4)), ("a", "1", 1), ("b", "1", 7), ("b", "2", 8)] { rebuilt.append(user: user, receipt(id, seq: seq)) }
        let differing = stored.differingKeys(try stored.sortedIndices(), rebuilt, try rebuilt.sortedIndices())
        #expect(differing == [.init(user: "a", id: "2"), .init(user: "b", id: "1"), .init(user: "b", id: "2")])
        #expect(rebuilt.differingKeys(try rebuilt.sortedIndices(), rebuilt, try rebuilt.sortedIndices()).isEmpty)
    }
}
