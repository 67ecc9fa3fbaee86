import NIOCore
import RoomlogCore

/// How a batch's events are stored in one `bytea`: each event as `EventCodec` encodes it, after its length (4 bytes,
/// big-endian); an event's `seq` is the batch's `first_seq` plus its index.
enum BatchCoding {
    static func encode(_ events: [Event]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for event in events {
            let record = EventCodec.encode(event)
            buffer.writeInteger(UInt32(record.count))
            buffer.writeBytes(record)
        }
        return buffer
    }

    /// The events of the batch that starts at `firstSeq`; throws `ClusterError.corruptBatch`.
    static func decode(firstSeq: UInt64, _ bytes: ByteBuffer) throws -> [Event] {
        var bytes = bytes
        var events: [Event] = []
        while bytes.readableBytes > 0 {
            guard let length = bytes.readInteger(as: UInt32.self), let record = bytes.readBytes(length: Int(length)) else {
                throw ClusterError.corruptBatch(firstSeq: firstSeq, reason: "truncated")
            }
            do {
                events.append(try EventCodec.decode(seq: firstSeq + UInt64(events.count), record))
            } catch {
                throw ClusterError.corruptBatch(firstSeq: firstSeq, reason: "\(error)")
            }
        }
        return events
    }
}
