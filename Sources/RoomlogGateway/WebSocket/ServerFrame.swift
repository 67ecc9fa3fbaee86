import RoomlogCore

/// The JSON of the frames the server sends in reply to a client (events are `EventFrames`).
enum ServerFrame {
    /// `{"type":"hello","user","epoch","head","rooms":{room: head}}`.
    static func hello(user: String, epoch: String, head: UInt64, rooms: [(room: String, head: UInt64)]) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "hello")
        json.string("user", user)
        json.string("epoch", epoch)
        json.number("head", head)
        json.numbers("rooms", rooms.map { ($0.room, $0.head) })
        return json.finish()
    }

    /// `{"type":"joined","room","head"}`.
    static func joined(room: String, head: UInt64) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "joined")
        json.string("room", room)
        json.number("head", head)
        return json.finish()
    }

    /// `{"type":"left","room"}` or `{"type":"unsubscribed","room"}`.
    static func roomReply(_ type: String, room: String) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", type)
        json.string("room", room)
        return json.finish()
    }

    /// `{"type":"subscribed","room","head","recovered"}`.
    static func subscribed(room: String, head: UInt64, recovered: Bool) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "subscribed")
        json.string("room", room)
        json.number("head", head)
        json.bool("recovered", recovered)
        return json.finish()
    }

    /// `{"type":"ack","id","room","seq","roomSeq"}`.
    static func ack(_ receipt: MessageReceipt) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "ack")
        json.string("id", receipt.id)
        json.string("room", receipt.room)
        json.number("seq", receipt.seq)
        json.number("roomSeq", receipt.roomSeq)
        return json.finish()
    }

    /// `{"type":"error","code","message","id"?,"room"?}`.
    static func error(_ error: FrameError) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "error")
        json.string("code", error.code.rawValue)
        json.string("message", error.message)
        if let id = error.id { json.string("id", id) }
        if let room = error.room { json.string("room", room) }
        return json.finish()
    }
}
