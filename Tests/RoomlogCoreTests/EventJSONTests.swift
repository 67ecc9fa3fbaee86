import Foundation
import Testing
@testable import RoomlogCore

@Suite("Event records as JSON")
struct EventJSONTests {
    @Test("a message record is exactly the protocol's example")
    func messageRecord() {
        let example = Event(seq: 812, at: SampleEvents.at, roomSeq: 57, payload: .messagePosted(user: "alice", room: "kkbox", body: "肚子餓了吃啥 ?", clientId: "c-19"))
        #expect(example.jsonRecordString ==
            #"{"seq":812,"at":"2026-11-26T14:53:23.120Z","type":"message.posted","user":"alice","room":"kkbox","roomSeq":57,"body":"肚子餓了吃啥 ?","id":"c-19"}"#)
    }

    @Test("each type carries its fields and nothing else")
    func fieldsPerType() throws {
        let expected: [[String]] = [
            ["at", "seq", "type", "user"],
            ["at", "seq", "type", "user"],
            ["at", "seq", "session", "type", "user"],
            ["at", "room", "roomSeq", "seq", "topic", "type", "user"],
            ["at", "room", "roomSeq", "seq", "type", "user"],
            ["at", "body", "id", "room", "roomSeq", "seq", "type", "user"],
            ["at", "body", "room", "roomSeq", "seq", "type", "user"],
            ["at", "room", "roomSeq", "seq", "type", "user"],
            ["at", "reason", "seq", "session", "type", "user"],
            ["at", "reason", "seq", "session", "type", "user"],
        ]
        for (event, keys) in zip(SampleEvents.all, expected) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.jsonRecord)) as? [String: Any])
            #expect(object.keys.sorted() == keys)
            #expect(object["type"] as? String == event.type.rawValue)
        }
    }

    @Test("no secret reaches a public record; backups carry hashes and digests only")
    func secrets() {
        for event in SampleEvents.all {
            let record = event.jsonRecordString
            #expect(!record.contains("$2b$"))
            #expect(!record.contains(SampleEvents.digest.hex))
        }
        #expect(String(decoding: SampleEvents.all[0].backupRecord, as: UTF8.self).contains(#""passwordHash":"$2b$04$abcdefghijklmnopqrstuv""#))
        #expect(String(decoding: SampleEvents.all[2].backupRecord, as: UTF8.self).contains(#""tokenDigest":"\#(SampleEvents.digest.hex)""#))
    }

    @Test("strings are escaped so the record parses back to the same text")
    func escaping() throws {
        let event = SampleEvents.all[6]
        #expect(event.jsonRecordString.contains(#""body":"line\nbreak\ttab \u0001""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event.jsonRecord)) as? [String: Any])
        #expect(object["body"] as? String == "line\nbreak\ttab \u{1}")
        let topic = try #require(try JSONSerialization.jsonObject(with: Data(SampleEvents.all[3].jsonRecord)) as? [String: Any])
        #expect(topic["topic"] as? String == "food & \"talk\"")
    }
}

@Suite("Decimal digits")
struct DecimalTests {
    @Test("numbers are written as String(_:) would", arguments: [0, 1, 9, 10, 99, 100, 812, 1_000_000, UInt64.max - 1, UInt64.max] as [UInt64])
    func digits(value: UInt64) {
        var bytes: [UInt8] = []
        JSONWriter.appendDecimal(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == String(value))
    }
}
