import Hummingbird
import RoomlogAuth
import RoomlogCore
import RoomlogStore

/// Rooms: create, list, get, members, join, leave, history, post.
struct RoomRoutes {
    let services: GatewayServices

    func add(to router: Router<GatewayContext>) {
        router.post("/api/v1/rooms") { request, _ in try await create(request) }
        router.get("/api/v1/rooms") { request, _ in try list(request) }
        router.get("/api/v1/rooms/:room") { request, context in try get(request, context) }
        router.get("/api/v1/rooms/:room/members") { request, context in try members(request, context) }
        router.post("/api/v1/rooms/:room/join") { request, context in try await change(request, context, join: true) }
        router.post("/api/v1/rooms/:room/leave") { request, context in try await change(request, context, join: false) }
        router.get("/api/v1/rooms/:room/events") { request, context in try events(request, context) }
        router.post("/api/v1/rooms/:room/messages") { request, context in try await post(request, context) }
    }

    func create(_ request: Request) async throws -> Response {
        let (session, _) = try services.authenticate(request)
        let body = try await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax)
        let name = try body.string("name")
        let topic = try body.optionalString("topic", invalid: .invalidTopic) ?? ""
        guard case .appended(_, let room?) = try await services.writer.append(.createRoom(user: session.user, room: name, topic: topic)) else {
            preconditionFailure("createRoom appends a room event or throws")
        }
        return JSONResponse.make(.created, room.wrappedJSON)
    }

    func list(_ request: Request) throws -> Response {
        _ = try services.authenticate(request)
        var json = JSONWriter()
        json.array("rooms", try services.store.rooms().map(\.json))
        return JSONResponse.make(.ok, json.finish())
    }

    func get(_ request: Request, _ context: GatewayContext) throws -> Response {
        _ = try services.authenticate(request)
        return JSONResponse.make(.ok, try room(context).wrappedJSON)
    }

    func members(_ request: Request, _ context: GatewayContext) throws -> Response {
        _ = try services.authenticate(request)
        let room = try room(context)
        var json = JSONWriter()
        json.strings("members", try services.store.members(of: room.name))
        return JSONResponse.make(.ok, json.finish())
    }

    func change(_ request: Request, _ context: GatewayContext, join: Bool) async throws -> Response {
        let (session, _) = try services.authenticate(request)
        let name = try context.parameters.require("room")
        let outcome = try await services.writer.append(join ? .join(user: session.user, room: name) : .leave(user: session.user, room: name))
        switch outcome {
        case .appended(_, let room?), .unchanged(let room):
            return JSONResponse.make(.ok, room.wrappedJSON)
        default:
            preconditionFailure("join and leave answer with the room")
        }
    }

    func events(_ request: Request, _ context: GatewayContext) throws -> Response {
        _ = try services.authenticate(request)
        let name = try context.parameters.require("room")
        let query = request.uri.queryParameters
        let limit = try Self.integer(query.get("limit"), "limit", in: 1...UInt64(services.configuration.historyPageEventsMax))
            .map(Int.init) ?? services.configuration.historyPageEventsDefault
        let after = try Self.integer(query.get("after"), "after", in: 0...UInt64(Int64.max))
        let before = try Self.integer(query.get("before"), "before", in: 0...UInt64(Int64.max))
        let page: RoomPage?
        switch (after, before) {
        case (.some, .some): throw APIError.badRequest("give after or before, not both")
        case (let after?, nil): page = try services.store.roomEvents(name, after: after, limit: limit)
        case (nil, let before?): page = try services.store.roomEvents(name, before: before, limit: limit)
        case (nil, nil): page = try services.store.latestRoomEvents(name, limit: limit)
        }
        guard let page else { throw APIError(RoomlogError.roomNotFound) }
        var json = JSONWriter()
        json.string("epoch", services.store.epoch)
        json.number("head", page.head)
        json.array("events", page.events.map(\.jsonRecord))
        return JSONResponse.make(.ok, json.finish())
    }

    func post(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let (session, _) = try services.authenticate(request)
        let name = try context.parameters.require("room")
        let body = try await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax)
        let text = try body.string("body", invalid: .invalidBody)
        let id = try body.optionalString("id", invalid: .invalidId)
        guard services.sendLimiter.allow(session.id, now: services.clock().milliseconds) else { throw APIError.rateLimited }
        let receipt: (seq: UInt64, roomSeq: UInt64)
        switch try await services.writer.append(.post(user: session.user, room: name, body: text, clientId: id)) {
        case .appended(let event, _): receipt = (event.seq, event.roomSeq)
        case .repeated(let first): receipt = (first.seq, first.roomSeq)
        case .unchanged: preconditionFailure("a post appends, repeats or throws")
        }
        var json = JSONWriter()
        json.number("seq", receipt.seq)
        json.number("roomSeq", receipt.roomSeq)
        return JSONResponse.make(.created, json.finish())
    }

    func room(_ context: GatewayContext) throws -> Room {
        guard let room = try services.store.room(named: try context.parameters.require("room")) else { throw APIError(RoomlogError.roomNotFound) }
        return room
    }

    /// A query parameter as an integer in `range`; nil when absent; throws `APIError.badRequest` otherwise.
    static func integer(_ text: String?, _ name: String, in range: ClosedRange<UInt64>) throws -> UInt64? {
        guard let text else { return nil }
        guard let value = UInt64(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
