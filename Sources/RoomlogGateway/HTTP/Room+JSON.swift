import RoomlogCore

extension Room {
    /// `{"name","topic","members","head"}`.
    var json: [UInt8] {
        var json = JSONWriter()
        json.string("name", name)
        json.string("topic", topic)
        json.number("members", members)
        json.number("head", head)
        return json.finish()
    }

    /// `{"room":{...}}`.
    var wrappedJSON: [UInt8] {
        var json = JSONWriter()
        json.raw("room", self.json)
        return json.finish()
    }
}
