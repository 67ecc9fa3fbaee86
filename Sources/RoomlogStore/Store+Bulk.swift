public import RoomlogCore

/// Counts of what a store holds, for operators.
public struct StoreCounts: Sendable, Equatable {
    /// Events of each type.
    public var eventsByType: [EventType: Int] = [:]
    /// Records of each projection database.
    public var records: [String: Int] = [:]
}

extension Store {
    /// Calls `body` with each durable event from `seq` on, in one snapshot, until it returns false; for streaming
    /// tools. Throws `LMDBError`, `EventDecodingError` or what `body` throws.
    public func readEvents(from seq: UInt64, _ body: (Event) throws -> Bool) throws {
        let durable = durableMark.seq
        try environment.read { txn in try scanEvents(txn, from: seq, through: durable, body) }
    }

    /// Calls `body` with each durable event from `seq` back to 1, newest first, in one snapshot, until it returns
    /// false. Throws `LMDBError`, `EventDecodingError` or what `body` throws.
    public func readEventsBackward(from seq: UInt64, _ body: (Event) throws -> Bool) throws {
        let seq = min(seq, durableMark.seq)
        try environment.read { txn in
            try txn.withCursor(databases.events) { cursor in
                var entry = try cursor.seek(atLeast: StoreKeys.seq(seq))
                if entry == nil || StoreKeys.seq(from: entry!.key) > seq { entry = try cursor.previous() }
                while let (key, value) = entry {
                    guard try body(try EventCodec.decode(seq: StoreKeys.seq(from: key), value)) else { return }
                    entry = try cursor.previous()
                }
            }
        }
    }

    /// Appends already-numbered events (an import) without touching the projections, which `replaceProjections`
    /// or `rebuild()` must then recreate. Each event must be the next `seq`; throws `StoreError.notNext` otherwise, or `LMDBError`.
    public func appendImported(_ events: [Event]) throws {
        try environment.write { txn in
            var head = try head(txn)
            try txn.withCursor(databases.events) { cursor in
                for event in events {
                    guard event.seq == head + 1 else { throw StoreError.notNext(expected: head + 1, found: event.seq) }
                    try cursor.append(StoreKeys.seq(event.seq), EventCodec.encode(event))
                    head = event.seq
                }
            }
        }
    }

    /// Events by type (read from each record's type byte, without decoding) and records per projection, in one
    /// snapshot; throws `LMDBError`.
    public func counts() throws -> StoreCounts {
        try environment.read { txn in
            var counts = StoreCounts()
            var byCode = [Int](repeating: 0, count: 256)
            try forEach(txn, databases.events) { _, value in
                if value.count > 1 { byCode[Int(value[1])] += 1 }
            }
            for type in EventType.allCases { counts.eventsByType[type] = byCode[Int(type.code)] }
            for database in databases.projections { counts.records[database.name] = try txn.count(database) }
            return counts
        }
    }
}
