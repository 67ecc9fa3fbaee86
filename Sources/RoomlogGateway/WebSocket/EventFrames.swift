import NIOCore
import RoomlogCore

/// The frames that carry log events to subscribers.
enum EventFrames {
    /// `{"type":"event","event":{record}}`.
    static func event(_ event: Event) -> [UInt8] {
        self.event(record: event.jsonRecord)
    }

    /// `{"type":"event","event":record}` for an event's JSON record.
    static func event(record: [UInt8]) -> [UInt8] {
        var json = JSONWriter()
        json.string("type", "event")
        json.raw("event", record)
        return json.finish()
    }

    /// Frames for consecutive events of one room (version 1.2, for `batch=1` connections): as many events per
    /// `{"type":"events","room":R,"events":[records]}` frame as fit in `bytesMax`, in order; an event too big to
    /// fit even alone goes as an `event` frame. Each with the `roomSeq` of its first and last event.
    static func batches(room: String, _ events: some Collection<Event>, bytesMax: Int) -> [(first: UInt64, last: UInt64, json: [UInt8])] {
        batches(room: room, records: events.map { ($0.roomSeq, $0.jsonRecord) }, bytesMax: bytesMax)
    }

    /// `batches(room:_:bytesMax:)` for events already rendered: each one's `roomSeq` and JSON record.
    static func batches(room: String, records events: [(roomSeq: UInt64, record: [UInt8])], bytesMax: Int) -> [(first: UInt64, last: UInt64, json: [UInt8])] {
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
        for (roomSeq, record) in events {
            if size + record.count + (records.isEmpty ? 0 : 1) > bytesMax { close() }
            if overhead + record.count > bytesMax {
                frames.append((roomSeq, roomSeq, Self.event(record: record)))
                continue
            }
            if records.isEmpty { first = roomSeq }
            size += record.count + (records.isEmpty ? 0 : 1)
            records.append(record)
            last = roomSeq
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

/// One room event as every subscriber gets it: its room, its `roomSeq`, its JSON record (for batch frames) and its
/// whole `event` frame, encoded once, plain and compressed (for permessage-deflate connections).
struct Broadcast: Sendable {
    let room: String
    let roomSeq: UInt64
    let record: [UInt8]
    let frame: ByteBuffer
    let compressed: ByteBuffer?

    /// The broadcast of room event `event` (whose JSON record is `record`); `deflater` compresses it when given.
    init(_ event: Event, record: [UInt8], room: String, deflater: Deflater?) {
        let json = EventFrames.event(record: record)
        self.room = room
        self.record = record
        roomSeq = event.roomSeq
        frame = EncodedFrame.text(json)
        compressed = deflater.flatMap { EncodedFrame.compressed(json, with: $0) }
    }
}
