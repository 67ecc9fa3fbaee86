import Foundation
import NIOCore
import RoomlogCore

/// The payload of the NOTIFY that goes with each batch: its last `seq` and, when the batch is small enough for a
/// notification (PostgreSQL takes at most 8,000 bytes), its first `seq` and its events (`BatchCoding`, base64), so
/// that a host applies it without reading it back: `LAST` or `LAST FIRST BASE64`.
enum ClusterNotification {
    /// Bytes of a payload at most (PostgreSQL's limit is 8,000, less than its text).
    static let payloadBytesMax = 7_900

    static func payload(first: UInt64, last: UInt64, encoded: ByteBuffer) -> String {
        let base64 = Data(encoded.readableBytesView).base64EncodedString()
        let full = "\(last) \(first) \(base64)"
        return full.utf8.count <= payloadBytesMax ? full : "\(last)"
    }

    /// The cluster's head that `payload` announces, and the batch it carries (nil when it carries none, or none that
    /// decodes: the host then reads it). Nil for a payload that is not one of these.
    static func parse(_ payload: String) -> (head: UInt64, events: [Event]?)? {
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard let head = UInt64(parts[0]) else { return nil }
        guard parts.count == 3, let first = UInt64(parts[1]), let data = Data(base64Encoded: String(parts[2])),
              let events = try? BatchCoding.decode(firstSeq: first, ByteBuffer(bytes: data)),
              events.last?.seq == head else { return (head, nil) }
        return (head, events)
    }
}
