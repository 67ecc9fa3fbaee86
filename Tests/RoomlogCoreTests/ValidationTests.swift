import Testing
@testable import RoomlogCore

@Suite("Names and limits")
struct ValidationTests {
    let rules = Validation()

    @Test("good names", arguments: ["a", "0", "kkbox", "a_b-c", "9lives", String(repeating: "z", count: 32)])
    func goodNames(name: String) throws {
        try rules.checkName(name)
    }

    @Test("bad names are invalid_name", arguments: ["", "_a", "-a", "Alice", "a b", "é", "a.b", String(repeating: "z", count: 33), "a\u{0}"])
    func badNames(name: String) {
        #expect(throws: RoomlogError.invalidName) { try rules.checkName(name) }
    }

    @Test("passwords are 8 to 128 bytes")
    func passwords() throws {
        try rules.checkPassword(String(repeating: "p", count: 8))
        try rules.checkPassword(String(repeating: "p", count: 128))
        try rules.checkPassword("密码密码密码")  // 18 bytes
        #expect(throws: RoomlogError.invalidPassword) { try rules.checkPassword(String(repeating: "p", count: 7)) }
        #expect(throws: RoomlogError.invalidPassword) { try rules.checkPassword(String(repeating: "p", count: 129)) }
        #expect(throws: RoomlogError.invalidPassword) { try rules.checkPassword(String(repeating: "密", count: 43)) }
    }

    @Test("bodies are 1 to 4000 scalars, counted as scalars not bytes")
    func bodies() throws {
        try rules.checkBody("x")
        try rules.checkBody(String(repeating: "x", count: 4000))
        try rules.checkBody(String(repeating: "餓", count: 4000))
        try rules.checkBody(String(repeating: "é", count: 3000))
        #expect(throws: RoomlogError.invalidBody) { try rules.checkBody("") }
        #expect(throws: RoomlogError.invalidBody) { try rules.checkBody(String(repeating: "x", count: 4001)) }
        #expect(throws: RoomlogError.invalidBody) { try rules.checkBody(String(repeating: "餓", count: 4001)) }
    }

    @Test("client ids are 1 to 64 characters of A-Z a-z 0-9 _ - . :")
    func clientIds() throws {
        try rules.checkClientId("c-19")
        try rules.checkClientId("A.b:C_d-9")
        try rules.checkClientId(String(repeating: "i", count: 64))
        for bad in ["", " ", "a/b", "ü", String(repeating: "i", count: 65)] {
            #expect(throws: RoomlogError.invalidId) { try rules.checkClientId(bad) }
        }
    }

    @Test("topics are at most 200 scalars")
    func topics() throws {
        try rules.checkTopic("")
        try rules.checkTopic(String(repeating: "話", count: 200))
        #expect(throws: RoomlogError.invalidTopic) { try rules.checkTopic(String(repeating: "t", count: 201)) }
    }

    @Test("a limit out of range is refused at start-up")
    func badLimits() {
        var limits = Limits()
        limits.passwordBytesMin = 200
        #expect(throws: LimitsError(name: "passwordBytesMin")) { try limits.validate() }
    }
}
