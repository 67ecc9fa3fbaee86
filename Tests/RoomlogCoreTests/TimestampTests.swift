import Testing
@testable import RoomlogCore

@Suite("Timestamps")
struct TimestampTests {
    @Test("RFC 3339 in UTC with milliseconds")
    func format() {
        #expect(SampleEvents.at.rfc3339 == "2026-11-26T14:53:23.120Z")
        #expect(Timestamp(milliseconds: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 951_782_400_000).rfc3339 == "2000-02-29T00:00:00.000Z")
    }

    @Test("what is written parses back; bad text does not", arguments: [0, -1, 951_782_400_000, 1_795_704_803_120, 4_102_444_799_999] as [Int64])
    func roundTrip(milliseconds: Int64) {
        let time = Timestamp(milliseconds: milliseconds)
        #expect(Timestamp(rfc3339: time.rfc3339) == time)
    }

    @Test("malformed text is refused", arguments: ["", "2026-11-26", "2026-11-26T14:53:23.120", "2026-13-26T14:53:23Z", "2026-11-26T24:00:00Z", "2026-11-26T14:53:23.Z", "x026-11-26T14:53:23Z"])
    func malformed(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("a fraction of any length is read as milliseconds")
    func fractions() {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:01Z")?.milliseconds == 1000)
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:01.5Z")?.milliseconds == 1500)
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:01.123456Z")?.milliseconds == 1123)
    }
}
