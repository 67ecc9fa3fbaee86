import RoomlogCore

/// Key-value records laid end to end in one buffer in the order they are to be appended, so that appending a million
/// of them reads memory in order (a sorted index into scattered records costs a cache miss or more per record).
struct PackedRecords: Sendable {
    /// Each record's key, then its value.
    private var writer: ByteWriter
    /// Where each record's key ends and where its value ends (the next record starts there).
    private var keyEnds: [Int] = []
    private var valueEnds: [Int] = []

    /// Room for `count` records of about `bytesPerRecord` bytes.
    init(count: Int, bytesPerRecord: Int) {
        writer = ByteWriter(capacity: count * bytesPerRecord)
        keyEnds.reserveCapacity(count)
        valueEnds.reserveCapacity(count)
    }

    /// Adds a record whose key is `key` and whose value `writeValue` writes.
    mutating func append(key: some Collection<UInt8>, value writeValue: (inout ByteWriter) -> Void) {
        writer.write(bytes: key)
        keyEnds.append(writer.bytes.count)
        writeValue(&writer)
        valueEnds.append(writer.bytes.count)
    }

    /// Calls `body` with each record's key and value, in order.
    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try writer.bytes.withUnsafeBytes { bytes in
            var start = 0
            for (keyEnd, valueEnd) in zip(keyEnds, valueEnds) {
                try body(UnsafeRawBufferPointer(rebasing: bytes[start..<keyEnd]), UnsafeRawBufferPointer(rebasing: bytes[keyEnd..<valueEnd]))
                start = valueEnd
            }
        }
    }
}
