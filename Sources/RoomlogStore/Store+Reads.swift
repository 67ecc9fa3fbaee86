public import RoomlogCore

/// A page of a room's history.
public struct RoomPage: Equatable, Sendable {
    /// The room's head when the page was read.
    public var head: UInt64
    /// The events, ascending by `roomSeq`.
    public var events: [Event]
}

extension Store {
    /// The last durable `seq` of the log (0 when empty); throws `LMDBError`.
    public func head() throws -> UInt64 {
        let durable = durableMark.seq
        return min(durable, try environment.read { txn in try head(txn) })
    }

    func head(_ txn: Transaction) throws -> UInt64 {
        try txn.withCursor(databases.events) { cursor in try cursor.last().map { StoreKeys.seq(from: $0.key) } ?? 0 }
    }

    /// Up to `limit` durable events from `seq` on, ascending; throws `LMDBError` or `EventDecodingError`. A tailer
    /// that reaches the durable mark while the log goes further heals a stalled flush (`healStall`).
    public func events(from seq: UInt64, limit: Int) throws -> [Event] {
        let durable = durableMark.seq
        let (events, head) = try environment.read { txn -> ([Event], UInt64) in
            var events: [Event] = []
            try scanEvents(txn, from: seq, through: durable) { event in
                events.append(event)
                return events.count < limit
            }
            return (events, events.count < limit ? try self.head(txn) : 0)
        }
        if events.count < limit, head > durable, try healStall(head: head) { return try self.events(from: seq, limit: limit) }
        return events
    }

    /// Calls `body` with each event from `seq` through `last` until it returns false; throws what decoding or `body`
    /// throws. `keepingBodies: false` leaves message bodies empty (checked, not kept; see `EventCodec.decode`).
    func scanEvents(_ txn: Transaction, from seq: UInt64, through last: UInt64 = .max, keepingBodies: Bool = true, _ body: (Event) throws -> Bool) throws {
        try txn.withCursor(databases.events) { cursor in
            var entry = try cursor.seek(atLeast: StoreKeys.seq(seq))
            while let (key, value) = entry {
                let seq = StoreKeys.seq(from: key)
                guard seq <= last, try body(try EventCodec.decode(seq: seq, value, keepingBody: keepingBodies)) else { return }
                entry = try cursor.next()
            }
        }
    }

    /// The event at `seq` if it is durable, else nil; throws `LMDBError` or `EventDecodingError`.
    public func event(at seq: UInt64) throws -> Event? {
        guard seq <= durableMark.seq else { return nil }
        return try environment.read { txn in try event(txn, at: seq) }
    }

    func event(_ txn: Transaction, at seq: UInt64) throws -> Event? {
        try StoreKeys.withSeq(seq) { key in try txn.get(databases.events, key).map { try EventCodec.decode(seq: seq, $0) } }
    }

    /// A room's durable events with `roomSeq > after`, at most `limit`, ascending; nil for an unknown room.
    /// Throws `LMDBError` or `EventDecodingError`.
    public func roomEvents(_ name: String, after: UInt64, limit: Int) throws -> RoomPage? {
        let durable = durableMark.seq
        return try environment.read { txn in
            guard let room = try TransactionProjections.room(named: name, txn, databases) else { return nil }
            return RoomPage(head: room.head, events: try roomEvents(txn, name, after: after, limit: limit, through: durable))
        }
    }

    /// The `limit` events of a room just before `roomSeq` `before`, ascending; nil for an unknown room.
    /// Throws `LMDBError` or `EventDecodingError`.
    public func roomEvents(_ name: String, before: UInt64, limit: Int) throws -> RoomPage? {
        let durable = durableMark.seq
        return try environment.read { txn in
            guard let room = try TransactionProjections.room(named: name, txn, databases) else { return nil }
            let end = min(before, room.head + 1)
            let start = end > UInt64(limit) ? end - UInt64(limit) : 1
            let events = end <= 1 ? [] : try roomEvents(txn, name, after: start - 1, limit: Int(end - start), through: durable)
            return RoomPage(head: room.head, events: events)
        }
    }

    /// The latest `limit` events of a room, ascending; nil for an unknown room.
    /// Throws `LMDBError` or `EventDecodingError`.
    public func latestRoomEvents(_ name: String, limit: Int) throws -> RoomPage? {
        try roomEvents(name, before: UInt64.max, limit: limit)
    }

    /// A room's events after `roomSeq` `after` whose `seq` is at most `last`.
    func roomEvents(_ txn: Transaction, _ name: String, after: UInt64, limit: Int, through last: UInt64) throws -> [Event] {
        let prefix = StoreKeys.prefix(name)
        var events: [Event] = []
        try txn.withCursor(databases.roomIndex) { cursor in
            var entry = try cursor.seek(atLeast: StoreKeys.roomEvent(name, after &+ 1))
            while events.count < limit, let (key, value) = entry, key.starts(with: prefix) {
                let seq = StoreKeys.seq(from: value)
                guard seq <= last else { break }
                guard let event = try event(txn, at: seq) else { throw StoreError.corruptRecord(database: "room_index") }
                events.append(event)
                entry = try cursor.next()
            }
        }
        return events
    }

    /// The user named `name`; throws `LMDBError` or `StoreError.corruptRecord`.
    public func user(named name: String) throws -> User? {
        try environment.read { txn in try TransactionProjections.user(named: name, txn, databases) }
    }

    /// The live session with this token digest (expired or not); throws `LMDBError` or `StoreError.corruptRecord`.
    public func session(digest: TokenDigest) throws -> Session? {
        try environment.read { txn in try TransactionProjections.session(digest: digest, txn, databases) }
    }

    /// The room named `name`; throws `LMDBError` or `StoreError.corruptRecord`.
    public func room(named name: String) throws -> Room? {
        try environment.read { txn in try TransactionProjections.room(named: name, txn, databases) }
    }

    /// Up to `limit` rooms whose names sort after `after` (from the first when nil), sorted by name, and the name
    /// to pass as `after` for the next page when more follow; throws `LMDBError` or `StoreError.corruptRecord`.
    public func rooms(after: String? = nil, limit: Int = .max) throws -> (rooms: [Room], next: String?) {
        try environment.read { txn in
            try txn.withCursor(databases.rooms) { cursor in
                var rooms: [Room] = []
                var entry = try after.map { try cursor.seek(atLeast: Array($0.utf8) + [0]) } ?? cursor.first()
                while let (key, value) = entry {
                    guard rooms.count < limit else { return (rooms, rooms.last?.name) }
                    rooms.append(try RecordCoding.decodeRoom(name: String(decoding: key, as: UTF8.self), value))
                    entry = try cursor.next()
                }
                return (rooms, nil)
            }
        }
    }

    /// The rooms `user` is a member of, sorted, each with its head, read in one transaction; throws `LMDBError` or
    /// `StoreError.corruptRecord`.
    public func roomHeads(of user: String) throws -> [(room: String, head: UInt64)] {
        try environment.read { txn in
            try secondNames(txn, databases.userRooms, user).compactMap { name in
                try TransactionProjections.room(named: name, txn, databases).map { (name, $0.head) }
            }
        }
    }

    /// The members of `room`, sorted; throws `LMDBError`.
    public func members(of room: String) throws -> [String] {
        try environment.read { txn in try secondNames(txn, databases.roomMembers, room) }
    }

    /// The rooms `user` is a member of, sorted; throws `LMDBError`.
    public func rooms(of user: String) throws -> [String] {
        try environment.read { txn in try secondNames(txn, databases.userRooms, user) }
    }

    /// Whether `user` is a member of `room`; throws `LMDBError`.
    public func isMember(user: String, room: String) throws -> Bool {
        try environment.read { txn in try txn.get(databases.roomMembers, StoreKeys.pair(room, user)) != nil }
    }

    func secondNames(_ txn: Transaction, _ database: Database, _ first: String) throws -> [String] {
        let prefix = StoreKeys.prefix(first)
        return try txn.withCursor(database) { cursor in
            var names: [String] = []
            var entry = try cursor.seek(atLeast: prefix)
            while let (key, _) = entry, key.starts(with: prefix) {
                names.append(String(decoding: key[prefix.count...], as: UTF8.self))
                entry = try cursor.next()
            }
            return names
        }
    }

    /// Token digests of up to `limit` sessions that expired at or before `now`, soonest first; throws `LMDBError`.
    public func expiredSessions(at now: Timestamp, limit: Int) throws -> [TokenDigest] {
        try environment.read { txn in
            try txn.withCursor(databases.sessionExpiry) { cursor in
                var digests: [TokenDigest] = []
                var entry = try cursor.first()
                while digests.count < limit, let (key, _) = entry, key.count == 8 + TokenDigest.byteCount {
                    guard Int64(bitPattern: StoreKeys.seq(from: key)) <= now.milliseconds else { break }
                    if let digest = TokenDigest(bytes: Array(key[8...])) { digests.append(digest) }
                    entry = try cursor.next()
                }
                return digests
            }
        }
    }
}

extension Store {
    /// The last `seq` the stored projections include; throws `LMDBError`.
    func appliedSeq(_ txn: Transaction) throws -> UInt64 {
        guard let bytes = try txn.get(databases.meta, MetaKey.appliedSeq), bytes.count == 8 else {
            throw StoreError.corruptRecord(database: "meta")
        }
        return StoreKeys.seq(from: bytes)
    }
}

extension Store {
    /// Bytes used by each named database; throws `LMDBError`.
    public func databaseSizes() throws -> [String: Int] {
        try environment.read { txn in
            var sizes: [String: Int] = [:]
            for database in databases.projections + [databases.events, databases.meta] {
                sizes[database.name] = try txn.sizeBytes(database)
            }
            return sizes
        }
    }
}
