import Foundation
import RoomlogCore
import Testing
@testable import RoomlogCluster

@Suite("The NOTIFY payload that carries a small batch")
struct ClusterNotificationTests {
    static let at = Timestamp(milliseconds: 1_700_000_000_000)

    static func registrations(from first: UInt64, count: Int, nameBytes: Int = 5) -> [Event] {
        (0..<count).map { index in
            Event(seq: first + UInt64(index), at: at, payload: .userRegistered(user: String(repeating: "u", count: nameBytes) + "\(index)", passwordHash: "h"))
        }
    }

    @Test("a small batch comes back whole with its head; a batch too big for a notification announces its head only")
    func roundTrip() throws {
        let small = Self.registrations(from: 41, count: 3)
        let payload = ClusterNotification.payload(first: 41, last: 43, encoded: BatchCoding.encode(small))
        let parsed = try #require(ClusterNotification.parse(payload))
        #expect(parsed.head == 43 && parsed.events == small)
        let big = Self.registrations(from: 1, count: 200, nameBytes: 30)
        let bigPayload = ClusterNotification.payload(first: 1, last: 200, encoded: BatchCoding.encode(big))
        #expect(bigPayload == "200")
        #expect(ClusterNotification.parse(bigPayload).map { $0.head == 200 && $0.events == nil } == true)
    }

    @Test("a payload that is not one of ours carries no events", arguments: [
        "", "x", "-1", "7 5", "7 5 !!!", "7 5 AAAA", "3 1 " + Data("garbage".utf8).base64EncodedString(),
    ])
    func foreign(payload: String) {
        if let parsed = ClusterNotification.parse(payload) { #expect(parsed.events == nil) }
    }

    @Test("events whose last seq is not the announced head are not offered")
    func mismatchedHead() {
        let events = Self.registrations(from: 5, count: 2)
        let payload = ClusterNotification.payload(first: 5, last: 6, encoded: BatchCoding.encode(events)).replacingOccurrences(of: "6 5 ", with: "9 5 ")
        #expect(ClusterNotification.parse(payload).map { $0.head == 9 && $0.events == nil } == true)
    }
}
