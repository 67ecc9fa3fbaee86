import Hummingbird
import RoomlogAuth
import RoomlogCore
import RoomlogStore

/// Rooms: create, list, get, members, join, leave, history, post. Every route needs a session.
struct RoomRoutes {
    let services: GatewayServices

    func add(to api: RouterGroup<SessionContext>) {
        api.post("rooms") { request, context in try await create(request, context) }
        api.get("rooms") { request, _ in try list(request) }
        api.get("rooms/:room") { _, context in JSONResponse.make(.ok, try room(context).wrappedJSON) }
        api.get("rooms/:room/members") { _, context in try members(context) }
        api.post("rooms/:room/join") { _, context in try await change(context, join: true) }
        api.post("rooms/:room/leave") { _, context in try await change(context, join: false) }
        api.get("rooms/:room/events") { request, context in try events(request, context) }
        api.post("rooms/:room/messages") { request, context in try await post(request, context) }
    }

    func create(_ request: Request, _ context: SessionContext) async throws -> Response {
        if let refusal = services.limiters.createRoom(session: context.session.id, now: services.clock().milliseconds) { throw refusal }
        let body = try await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax, limits: services.limits)
        let name = try body.string("name")
        let topic = try body.optionalString("topic", invalid: .invalidTopic) ?? ""
        let command = Command.createRoom(user: context.session.user, room: name, topic: topic)
        guard case .appended(_, let room?) = try await services.writer.append(command, session: context.session.tokenDigest) else {
            preconditionFailure("createRoom appends a room event or throws")
        }
        return JSONResponse.make(.created, room.wrappedJSON)
    }

    /// A page of rooms by name: `after` a name, at most `limit`; `next` names the last when more follow.
    func list(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let pageMax = services.configuration.roomListPageRoomsMax
        let limit = try Self.integer(query.get("limit"), "limit", in: 1...UInt64(pageMax)).map(Int.init) ?? pageMax
        let after = query.get("after")
        if let after { try check(after) }
        let page = try services.store.rooms(after: after, limit: limit)
        var json = JSONWriter()
        json.array("rooms", page.rooms.map(\.json))
        if let next = page.next { json.string("next", next) }
        return JSONResponse.make(.ok, json.finish())
    }

    func members(_ context: SessionContext) throws -> Response {
        let room = try room(context)
        var json = JSONWriter()
        json.strings("members", try services.store.members(of: room.name))
        return JSONResponse.make(.ok, json.finish())
    }

    func change(_ context: SessionContext, join: Bool) async throws -> Response {
        let name = try roomName(context)
        if let refusal = services.limiters.membership(session: context.session.id, now: services.clock().milliseconds) { throw refusal }
        let user = context.session.user
        let command: Command = join ? .join(user: user, room: name) : .leave(user: user, room: name)
        switch try await services.writer.append(command, session: context.session.tokenDigest) {
        case .appended(_, let room?), .unchanged(let room):
            return JSONResponse.make(.ok, room.wrappedJSON)
        default:
            preconditionFailure("join and leave answer with the room")
        }
    }

    func events(_ request: Request, _ context: SessionContext) throws -> Response {
        let name = try roomName(context)
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
        guard let page else { throw APIError(RoomlogError.roomNotFound, services.limits) }
        var json = JSONWriter()
        json.string("epoch", services.store.epoch)
        json.number("head", page.head)
        json.array("events", page.events.map(\.jsonRecord))
        return JSONResponse.make(.ok, json.finish())
    }

    func post(_ request: Request, _ context: SessionContext) async throws -> Response {
        let name = try roomName(context)
        let body = try await RequestBody.read(request, bytesMax: services.configuration.requestBodyBytesMax, limits: services.limits)
        let text = try body.string("body", invalid: .invalidBody)
        let id = try body.optionalString("id", invalid: .invalidId)
        if let refusal = services.limiters.send(session: context.session.id, now: services.clock().milliseconds) { throw refusal }
        let command = Command.post(user: context.session.user, room: name, body: text, clientId: id)
        let receipt: (seq: UInt64, roomSeq: UInt64)
        switch try await services.writer.append(command, session: context.session.tokenDigest) {
        case .appended(let event, _): receipt = (event.seq, event.roomSeq)
        case .repeated(let first): receipt = (first.seq, first.roomSeq)
        case .unchanged: preconditionFailure("a post appends, repeats or throws")
        }
        var json = JSONWriter()
        json.number("seq", receipt.seq)
        json.number("roomSeq", receipt.roomSeq)
        return JSONResponse.make(.created, json.finish())
    }

    /// The `:room` of the path, checked as a name before anything is looked up; throws `APIError` (`invalid_name`).
    func roomName(_ context: SessionContext) throws -> String {
        let name = try context.parameters.require("room")
        try check(name)
        return name
    }

    func check(_ name: String) throws {
        do {
            try Validation(limits: services.limits).checkName(name)
        } catch {
            throw APIError(error, services.limits)
        }
    }

    func room(_ context: SessionContext) throws -> Room {
        guard let room = try services.store.room(named: try roomName(context)) else { throw APIError(RoomlogError.roomNotFound, services.limits) }
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
