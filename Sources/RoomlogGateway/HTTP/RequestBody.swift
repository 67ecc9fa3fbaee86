import Foundation
import Hummingbird
import RoomlogCore

/// A JSON request body's fields, read with the protocol's rules: not JSON, a missing field or a field of the wrong
/// type is 400 `bad_request`; unknown fields are ignored.
struct RequestBody {
    let fields: FlatJSON.Object
    let limits: Limits

    /// Reads and parses the body of `request`, at most `bytesMax` bytes; throws `APIError`.
    static func read(_ request: Request, bytesMax: Int, limits: Limits) async throws -> RequestBody {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bytesMax)
        } catch {
            throw APIError(.badRequest, "the body is larger than \(bytesMax) bytes", status: .contentTooLarge)
        }
        do {
            return RequestBody(fields: try FlatJSON.parseRequest(Array(buffer.readableBytesView)), limits: limits)
        } catch {
            throw APIError.badRequest("the body is not a JSON object: \(error)")
        }
    }

    /// Whether `request` has a body (a length above 0, or chunks).
    static func isPresent(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }

    /// Whether `request` says its body is JSON (`application/json`, with or without parameters).
    static func isJSON(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType] else { return false }
        return type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// The string field `name`; `invalid` is thrown for a string with a lone surrogate. Throws `APIError`.
    func string(_ name: String, invalid: RoomlogError? = nil) throws -> String {
        switch fields[name] {
        case .string(let value)?: return value
        case .invalidText? where invalid != nil: throw APIError(invalid!, limits)
        case nil: throw APIError.badRequest("missing field \(name)")
        default: throw APIError.badRequest("field \(name) must be a string")
        }
    }

    /// The optional string field `name` (absent or null is nil). Throws `APIError`.
    func optionalString(_ name: String, invalid: RoomlogError? = nil) throws -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        default: return try string(name, invalid: invalid)
        }
    }
}
