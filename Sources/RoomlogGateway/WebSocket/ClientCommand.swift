import RoomlogCore

/// A client frame, parsed and checked: every field present with its type, and the room's name well formed, before
/// anything is looked up.
enum ClientCommand: Equatable {
    case join(room: String)
    case leave(room: String)
    case subscribe(room: String, after: UInt64?, epoch: String?)
    case unsubscribe(room: String)
    case send(room: String, body: String, id: String)

    /// The room the frame names.
    var room: String {
        switch self {
        case .join(let room), .leave(let room), .subscribe(let room, _, _), .unsubscribe(let room), .send(let room, _, _): room
        }
    }

    /// The frame of `bytes`, or the error frame's code and message; names are checked by `validation`.
    static func parse(_ bytes: [UInt8], validation: Validation) -> Result<ClientCommand, FrameError> {
        let fields: FlatJSON.Object
        do {
            fields = try FlatJSON.parseRequest(bytes)
        } catch {
            return .failure(FrameError(.badFrame, "not a JSON object"))
        }
        let frame = FrameFields(fields: fields, limits: validation.limits)
        do {
            let command = try frame.command()
            do {
                try validation.checkName(command.room)
            } catch {
                throw FrameError(error, validation.limits)
            }
            return .success(command)
        } catch var error as FrameError {
            error.id = frame.text("id")
            error.room = frame.text("room")
            return .failure(error)
        } catch {
            preconditionFailure("frame parsing throws FrameError only: \(error)")
        }
    }
}

/// An error frame's code and message, and the `id` and `room` of the client frame it answers.
struct FrameError: Error, Equatable {
    let code: ErrorCode
    let message: String
    var id: String?
    var room: String?

    init(_ code: ErrorCode, _ message: String, id: String? = nil, room: String? = nil) {
        self.code = code
        self.message = message
        self.id = id
        self.room = room
    }

    /// The error frame of a domain error, its message built from `limits`.
    init(_ error: RoomlogError, _ limits: Limits, id: String? = nil, room: String? = nil) {
        self.init(error.code, error.message(limits), id: id, room: room)
    }
}

/// A client frame's fields, read with the protocol's rules (a missing field or one of the wrong type is `bad_frame`).
private struct FrameFields {
    let fields: FlatJSON.Object
    let limits: Limits

    func command() throws -> ClientCommand {
        switch try string("type") {
        case "join": return .join(room: try string("room"))
        case "leave": return .leave(room: try string("room"))
        case "subscribe": return .subscribe(room: try string("room"), after: try optionalInteger("after"), epoch: try optionalString("epoch"))
        case "unsubscribe": return .unsubscribe(room: try string("room"))
        case "send": return .send(room: try string("room"), body: try string("body", invalid: .invalidBody), id: try string("id", invalid: .invalidId))
        default: throw FrameError(.badFrame, "unknown frame type")
        }
    }

    /// The field `name` if it is a string.
    func text(_ name: String) -> String? {
        if case .string(let value)? = fields[name] { return value }
        return nil
    }

    func string(_ name: String, invalid: RoomlogError? = nil) throws -> String {
        switch fields[name] {
        case .string(let value)?: return value
        case .invalidText? where invalid != nil: throw FrameError(invalid!, limits)
        case nil: throw FrameError(.badFrame, "missing field \(name)")
        default: throw FrameError(.badFrame, "field \(name) must be a string")
        }
    }

    func optionalString(_ name: String) throws -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        default: return try string(name)
        }
    }

    func optionalInteger(_ name: String) throws -> UInt64? {
        switch fields[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw FrameError(.badFrame, "field \(name) must be a non-negative integer")
        }
    }
}
