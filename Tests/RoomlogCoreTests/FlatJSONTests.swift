import Testing
@testable import RoomlogCore

@Suite("Flat JSON objects")
struct FlatJSONTests {
    func parse(_ text: String) throws -> FlatJSON.Object { try FlatJSON.parse(Array(text.utf8)) }

    @Test("strings, integers, booleans and null, with every escape")
    func values() throws {
        let object = try parse(#" { "a" : "x\"y\\z\/\b\f\n\r\t\u00e9\ud83d\ude00" , "n":812, "t":true, "f":false, "z":null, "e":"" } "#)
        #expect(object["a"] == .string("x\"y\\z/\u{8}\u{c}\n\r\té😀"))
        #expect(object["n"] == .integer(812))
        #expect(object["t"] == .bool(true) && object["f"] == .bool(false) && object["z"] == .null)
        #expect(object["e"] == .string(""))
        #expect(object["missing"] == nil)
        #expect(try parse("{}").members.isEmpty)
    }

    @Test("every event record parses back to its event", arguments: SampleEvents.all)
    func recordsRoundTrip(event: Event) throws {
        #expect(try Event(backupRecord: try FlatJSON.parse(event.backupRecord)) == event)
    }

    @Test("malformed objects are refused with an offset", arguments: [
        "", "[]", "{", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{"a":01}"#, #"{"a":1.5}"#, #"{"a":-1}"#, #"{"a":{}}"#, #"{"a":[]}"#, #"{"a":[1]}"#,
        #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\ud800\u0041"}"#, #"{"a":"\x"}"#, "{\"a\":\"line\nbreak\"}",
        #"{"a":"x"} x"#, #"{"a":18446744073709551616}"#, #"{"a":tru}"#,
    ])
    func malformed(text: String) {
        #expect(throws: FlatJSON.ParseError.self) { try parse(text) }
    }

    @Test("invalid UTF-8 in a string is refused")
    func invalidUTF8() {
        #expect(throws: FlatJSON.ParseError.self) { try FlatJSON.parse([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]) }
    }

    @Test("a record missing a field or with a bad one names it")
    func badRecords() throws {
        let missing = try parse(#"{"seq":1,"at":"2026-11-26T14:53:23.120Z","type":"room.joined","user":"bob","roomSeq":2}"#)
        #expect(throws: RecordError(message: "missing or bad field room")) { try Event(backupRecord: missing) }
        let zero = try parse(#"{"seq":1,"at":"2026-11-26T14:53:23.120Z","type":"room.joined","user":"bob","room":"r","roomSeq":0}"#)
        #expect(throws: RecordError(message: "bad field roomSeq")) { try Event(backupRecord: zero) }
        let type = try parse(#"{"seq":1,"at":"2026-11-26T14:53:23.120Z","type":"room.exploded","user":"bob"}"#)
        #expect(throws: RecordError(message: "unknown type")) { try Event(backupRecord: type) }
    }
}

@Suite("Client JSON objects")
struct RequestJSONTests {
    func parse(_ text: String) throws -> FlatJSON.Object { try FlatJSON.parseRequest(Array(text.utf8)) }

    @Test("unknown nested fields and other numbers are kept opaque, not refused")
    func opaque() throws {
        let object = try parse(#"{"name":"alice","extra":{"a":[1,2,{"b":null}],"c":"}"},"n":-1.5e3,"list":[],"o":{},"k":7}"#)
        #expect(object["name"] == .string("alice"))
        #expect(object["extra"] == .opaque && object["n"] == .opaque && object["list"] == .opaque && object["o"] == .opaque)
        #expect(object["k"] == .integer(7))
        #expect(try parse(#"{"k":-3}"#)["k"] == .opaque)
    }

    @Test("a lone surrogate makes that string invalid text, and only that one")
    func loneSurrogates() throws {
        let object = try parse(#"{"body":"a\ud800b","id":"ok","low":"\udc00","pair":"\ud83d\ude00","high2":"\ud800\u0041"}"#)
        #expect(object["body"] == .invalidText)
        #expect(object["id"] == .string("ok"))
        #expect(object["low"] == .invalidText)
        #expect(object["pair"] == .string("😀"))
        #expect(object["high2"] == .invalidText)
    }

    @Test("text that is not one JSON object is still refused", arguments: ["", "[1]", "nul", #"{"a":[1,}"#, #"{"a":{"b"}}"#, #"{"a":1} {"#, #"{"a":-}"#, #"{"a":1.}"#])
    func refused(text: String) {
        #expect(throws: FlatJSON.ParseError.self) { try parse(text) }
    }
}
