import RoomlogCore

extension Store {
    /// Reads every stored projection into a value; throws `LMDBError` or `StoreError.corruptRecord`.
    func loadProjections(_ txn: Transaction) throws -> Projections {
        var projections = try loadProjectionsExceptClientIds(txn)
        projections.clientMessages = try loadClientIds(txn).ids.dictionary
        return projections
    }

    /// The stored client ids (of `client_ids` and `client_ids_recent`) as a list, with its key order; throws
    /// `LMDBError`, or `StoreError.corruptRecord` for a bad record or an id stored twice.
    func loadClientIds(_ txn: Transaction) throws -> (ids: ClientIdList, order: [Int]) {
        var ids = ClientIdList()
        ids.reserveCapacity(try txn.count(databases.clientIds) + txn.count(databases.clientIdsRecent))
        try forEachPair(txn, databases.clientIds) { user, id, value in ids.append(user: user, try RecordCoding.decodeReceipt(id: id, value)) }
        try forEach(txn, databases.clientIdsRecent) { key, value in
            guard key.count == 8 else { throw StoreError.corruptRecord(database: "client_ids_recent") }
            let (user, receipt) = try RecordCoding.decodeRecent(seq: StoreKeys.seq(from: key), value)
            ids.append(user: user, receipt)
        }
        do {
            return (ids, try ids.sortedIndices())
        } catch {
            throw StoreError.corruptRecord(database: "client_ids_recent")
        }
    }

    /// Every stored projection but the client ids (`clientMessages` is empty); throws `LMDBError` or
    /// `StoreError.corruptRecord`.
    func loadProjectionsExceptClientIds(_ txn: Transaction) throws -> Projections {
        var projections = Projections()
        projections.appliedSeq = try appliedSeq(txn)
        try forEach(txn, databases.users) { key, value in
            let name = String(decoding: key, as: UTF8.self)
            projections.users[name] = try RecordCoding.decodeUser(name: name, value)
        }
        try forEach(txn, databases.sessions) { key, value in
            guard let digest = TokenDigest(bytes: Array(key)) else { throw StoreError.corruptRecord(database: "sessions") }
            projections.sessions[digest] = try RecordCoding.decodeSession(digest: digest, value)
        }
        try forEach(txn, databases.rooms) { key, value in
            let name = String(decoding: key, as: UTF8.self)
            projections.rooms[name] = try RecordCoding.decodeRoom(name: name, value)
        }
        try forEachPair(txn, databases.roomMembers) { room, user, _ in projections.members[room, default: []].insert(user) }
        try forEachPair(txn, databases.userRooms) { user, room, _ in projections.userRooms[user, default: []].insert(room) }
        try forEach(txn, databases.roomIndex) { key, value in
            guard let separator = key.firstIndex(of: 0), key.count == separator + 9, value.count == 8 else {
                throw StoreError.corruptRecord(database: "room_index")
            }
            let room = String(decoding: key[..<separator], as: UTF8.self)
            let roomSeq = StoreKeys.seq(from: UnsafeRawBufferPointer(rebasing: key[(separator + 1)...]))
            guard roomSeq == UInt64(projections.roomIndex[room]?.count ?? 0) + 1 else { throw StoreError.corruptRecord(database: "room_index") }
            projections.roomIndex[room, default: []].append(StoreKeys.seq(from: value))
        }
        return projections
    }

    /// Whether the session-expiry index holds exactly the stored sessions; throws `LMDBError`.
    func sessionExpiryMatches(_ txn: Transaction, _ sessions: [TokenDigest: Session]) throws -> Bool {
        var count = 0
        var matches = true
        try forEach(txn, databases.sessionExpiry) { key, _ in
            count += 1
            guard key.count == 8 + TokenDigest.byteCount, let digest = TokenDigest(bytes: Array(key[8...])),
                  let session = sessions[digest], session.expiresAt.milliseconds == Int64(bitPattern: StoreKeys.seq(from: key))
            else { matches = false; return }
        }
        return matches && count == sessions.count
    }

    /// Writes `projections`, with `clientIds` for their client ids, into emptied projection databases, in key order
    /// (appends). Throws `LogInconsistency` if `clientIds` holds an id twice, or `LMDBError`.
    func writeProjections(_ projections: Projections, clientIds: ClientIdList, _ txn: Transaction) throws {
        // Sorting a million client ids takes a while: a second thread sorts them while this one writes the rest; then
        // each thread packs half of them, and this one appends its half while the other packs the second.
        let sorting = BackgroundWork(name: "roomlog-sort") { try clientIds.sortedIndices() }
        defer { _ = try? sorting.value() }
        try appendSorted(txn, databases.users, projections.users.values.map { (Array($0.name.utf8), RecordCoding.encode($0)) })
        try appendSorted(txn, databases.sessions, projections.sessions.values.map { ($0.tokenDigest.bytes, RecordCoding.encode($0)) })
        try appendSorted(txn, databases.sessionExpiry, projections.sessions.values.map { (StoreKeys.expiry($0.expiresAt, $0.tokenDigest), []) })
        try appendSorted(txn, databases.rooms, projections.rooms.values.map { (Array($0.name.utf8), RecordCoding.encode($0)) })
        try appendSorted(txn, databases.roomMembers, projections.members.flatMap { room, users in users.map { (StoreKeys.pair(room, $0), []) } })
        try appendSorted(txn, databases.userRooms, projections.userRooms.flatMap { user, rooms in rooms.map { (StoreKeys.pair(user, $0), []) } })
        try writeRoomIndex(projections.roomIndex, txn)
        let order = try sorting.value()
        let middle = order.count / 2
        let secondHalf = BackgroundWork(name: "roomlog-pack") { Self.packedRecords(clientIds, order[middle...]) }
        defer { _ = try? secondHalf.value() }
        let firstHalf = Self.packedRecords(clientIds, order[..<middle])
        try txn.withCursor(databases.clientIds) { cursor in
            try firstHalf.forEach { try cursor.append($0, $1) }
            try secondHalf.value().forEach { try cursor.append($0, $1) }
        }
        try txn.put(databases.meta, MetaKey.appliedSeq, StoreKeys.seq(projections.appliedSeq))
        try txn.put(databases.meta, MetaKey.clientIdsMergedThrough, StoreKeys.seq(projections.appliedSeq))
    }

    /// Every room's index, room by room in key order, reusing one key buffer (a million entries per second matter).
    func writeRoomIndex(_ roomIndex: [String: [UInt64]], _ txn: Transaction) throws {
        try txn.withCursor(databases.roomIndex) { cursor in
            var value = [UInt8](repeating: 0, count: 8)
            for room in roomIndex.keys.sorted(by: StoreKeys.utf8Precedes) {
                var key = StoreKeys.roomEvent(room, 0)
                let seqOffset = key.count - 8
                for (offset, seq) in roomIndex[room]!.enumerated() {
                    StoreKeys.writeBigEndian(UInt64(offset + 1), into: &key, at: seqOffset)
                    StoreKeys.writeBigEndian(seq, into: &value, at: 0)
                    try cursor.append(key, value)
                }
            }
        }
    }

    /// The `client_ids` records of the ids of `clientIds` at `order`, in that order.
    static func packedRecords(_ clientIds: ClientIdList, _ order: ArraySlice<Int>) -> PackedRecords {
        var records = PackedRecords(count: order.count, bytesPerRecord: 32)
        clientIds.withKeys { bytes, range in
            for index in order {
                records.append(key: bytes[range(index)]) { RecordCoding.encode(clientIds.receipts[index], into: &$0) }
            }
        }
        return records
    }

    func appendSorted(_ txn: Transaction, _ database: Database, _ entries: [([UInt8], [UInt8])]) throws {
        let sorted = entries.sorted { StoreKeys.precedes($0.0, $1.0) }
        try txn.withCursor(database) { cursor in
            for (key, value) in sorted { try cursor.append(key, value) }
        }
    }

    func forEach(_ txn: Transaction, _ database: Database, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        try txn.withCursor(database) { cursor in
            var entry = try cursor.first()
            while let (key, value) = entry {
                try body(key, value)
                entry = try cursor.next()
            }
        }
    }

    func forEachPair(_ txn: Transaction, _ database: Database, _ body: (String, String, UnsafeRawBufferPointer) throws -> Void) throws {
        try forEach(txn, database) { key, value in
            guard let (first, second) = StoreKeys.names(from: key) else { throw StoreError.corruptRecord(database: database.name) }
            try body(first, second, value)
        }
    }
}
