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

    /// Frames for consecutive events of one room (version 1.2, for `batch=1` connections): as many events per
    /// `{"type":"events","room":R,"events":[records]}` frame as fit in `bytesMax`, in order; an event too big to
    /// fit even alone goes as an `event` frame. Each with the `roomSeq` of its first and last event.
    static func batches(room: String, _ events: some Collection<Event>, bytesMax: Int) -> [(first: UInt64, last: UInt64, json: [UInt8])] {
        var frames: [(first: UInt64, last: UInt64, json: [UInt8])] = []
        let overhead = batch(room: room, []).count
        var records: [[UInt8]] = []
        var size = overhead
        var first: UInt64 = 0, last: UInt64 = 0
        func close() {
            guard !records.isEmpty else { return }
            frames.append((first, last, batch(room: room, records)))
            records.removeAll()
            size = overhead
        }
        for event in events {
            let record = event.jsonRecord
            if size + record.count + (records.isEmpty ? 0 : 1) > bytesMax { close() }
            if overhead + record.count > bytesMax {
                frames.append((event.roomSeq, event.roomSeq, Self.event(event)))
                continue
            }
            if records.isEmpty { first = event.roomSeq }
            size += record.count + (records.isEmpty ? 0 : 1)
            records.append(record)
            last = event.roomSeq
        }
        close()
        return frames
    }

    /// `{"type":"events","room":R,"events":[records]}`.
    static func batch(room: String, _ records: [[UInt8]]) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "events")
        json.string("room", room)
        json.array("events", records)
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

/// Consecutive events of one room in one frame, as every `batch=1` subscriber at the same position gets it: encoded
/// once, plain and compressed.
struct BatchBroadcast: Sendable {
    let room: String
    let first: UInt64
    let last: UInt64
    let frame: ByteBuffer
    let compressed: ByteBuffer?

    /// The batch frames of `events` (one room's, in order) within `bytesMax`; `deflater` compresses them when given.
    static func make(room: String, _ events: [Event], bytesMax: Int, deflater: Deflater?) -> [BatchBroadcast] {
        EventFrames.batches(room: room, events, bytesMax: bytesMax).map { first, last, json in
            BatchBroadcast(room: room, first: first, last: last, frame: EncodedFrame.text(json),
                           compressed: deflater.flatMap { EncodedFrame.compressed(json, with: $0) })
        }
    }
}
