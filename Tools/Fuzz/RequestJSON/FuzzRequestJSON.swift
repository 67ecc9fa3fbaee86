import RoomlogCore
import RoomlogFuzzSupport

@main
enum Fuzz: FuzzTarget {
    /// Parses any bytes as a request body and as a client frame: never a crash; a string field is valid text.
    static func check(_ bytes: [UInt8]) {
        guard let fields = try? FlatJSON.parseRequest(bytes) else { return }
        for (_, value) in fields.members {
            if case .string(let text) = value { precondition(text.utf8.count <= bytes.count * 2, "a string is no longer than its escapes allow") }
        }
        let validation = Validation()
        if case .string(let name)? = fields["name"] { _ = try? validation.checkName(name) }
        if case .string(let body)? = fields["body"] { _ = try? validation.checkBody(body) }
        if case .string(let id)? = fields["id"] { _ = try? validation.checkClientId(id) }
    }
}
