import RoomlogCore
import RoomlogFuzzSupport

/// Parses any bytes as a request body and as a client frame: never a crash; a string field is valid text.
func check(_ bytes: [UInt8]) {
    guard let fields = try? FlatJSON.parseRequest(bytes) else { return }
    for (_, value) in fields.members {
        if case .string(let text) = value { precondition(text.utf8.count <= bytes.count * 2, "a string is no longer than its escapes allow") }
    }
    let validation = Validation()
    if case .string(let name)? = fields["name"] { _ = try? validation.checkName(name) }
    if case .string(let body)? = fields["body"] { _ = try? validation.checkBody(body) }
    if case .string(let id)? = fields["id"] { _ = try? validation.checkClientId(id) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    check(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}

@main
struct Fuzz {
    static func main() { FuzzMain.run(check) }
}
