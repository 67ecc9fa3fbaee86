import NIOCore
import RoomlogCore

/// The frames that carry log events to subscribers.
enum EventFrames {
    /// `{"type":"event","event":{record}}`.
    static func event(_ event: Event) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "event")
        json.raw("event", event.jsonRecord)
        return json.finish()
    }
}

/// One room event as every subscriber gets it: its room, its `roomSeq`, and its whole WebSocket frame, encoded
/// once, plain and compressed (for permessage-deflate connections).
struct Broadcast: Sendable {
    let room: String
    let roomSeq: UInt64
    let frame: ByteBuffer
    let compressed: ByteBuffer?

    /// The broadcast of room event `event`; `deflater` compresses it when given.
    init(_ event: Event, room: String, deflater: Deflater?) {
        let json = EventFrames.event(event)
        self.room = room
        roomSeq = event.roomSeq
        frame = EncodedFrame.text(json)
        compressed = deflater.flatMap { EncodedFrame.compressed(json, with: $0) }
    }
}
