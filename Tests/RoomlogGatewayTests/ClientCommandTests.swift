import RoomlogCore
import Testing
@testable import RoomlogGateway

@Suite("Client frames")
struct ClientCommandTests {
    let validation = Validation()

    func parse(_ text: String) -> Result<ClientCommand, FrameError> {
        ClientCommand.parse(Array(text.utf8), validation: validation)
    }

    @Test("each frame type parses with its fields")
    func frames() {
        #expect(parse(#"{"type":"join","room":"kkbox"}"#) == .success(.join(room: "kkbox")))
        #expect(parse(#"{"type":"subscribe","room":"kkbox","after":5,"epoch":"e"}"#) == .success(.subscribe(room: "kkbox", after: 5, epoch: "e")))
        #expect(parse(#"{"type":"subscribe","room":"kkbox","after":null}"#) == .success(.subscribe(room: "kkbox", after: nil, epoch: nil)))
        #expect(parse(#"{"type":"send","room":"kkbox","body":"hi","id":"c-1","extra":[1]}"#) == .success(.send(room: "kkbox", body: "hi", id: "c-1")))
    }

    @Test("bad frames are bad_frame; a room that could not exist is invalid_name, named in the error", arguments: [
        ("not json", ErrorCode.badFrame), ("[]", .badFrame), (#"{"room":"a"}"#, .badFrame), (#"{"type":"dance","room":"a"}"#, .badFrame),
        (#"{"type":"join"}"#, .badFrame), (#"{"type":"join","room":7}"#, .badFrame), (#"{"type":"subscribe","room":"a","after":-1}"#, .badFrame),
        (#"{"type":"subscribe","room":"a","after":"5"}"#, .badFrame), (#"{"type":"send","room":"a","body":"x"}"#, .badFrame),
        (#"{"type":"join","room":""}"#, .invalidName), (#"{"type":"leave","room":"Kkbox"}"#, .invalidName),
        (#"{"type":"send","room":"\#(String(repeating: "r", count: 33))","body":"x","id":"i"}"#, .invalidName),
        (#"{"type":"send","room":"a","body":"\ud800","id":"i"}"#, .invalidBody), (#"{"type":"send","room":"a","body":"x","id":"\ud800"}"#, .invalidId),
    ])
    func refusals(text: String, code: ErrorCode) {
        guard case .failure(let error) = parse(text) else { return #expect(Bool(false), "\(text) parsed") }
        #expect(error.code == code, "\(text)")
    }

    @Test("an error names the frame's id and room, when they are strings")
    func errorNamesTheFrame() {
        guard case .failure(let error) = parse(#"{"type":"send","room":"","body":"x","id":"c-9"}"#) else { return #expect(Bool(false)) }
        #expect(error.id == "c-9" && error.room == "" && error.code == .invalidName)
        #expect(error.message.contains("1-32"))
    }
}
