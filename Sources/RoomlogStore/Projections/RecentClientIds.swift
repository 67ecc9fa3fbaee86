import RoomlogCore

/// The recent client message ids, held in memory by a process's writer so that a post neither reads nor dirties a
/// page of the `client_ids` B-tree per user (a commit of N posts from N users would write N pages). On disk each
/// post's id is appended to `client_ids_recent` under its `seq` (a page per commit); once that table holds more than
/// `clientIdsRecentMax` ids, the writer merges the oldest `clientIdsMergeMax` into `client_ids` in key order, so a
/// page there is written once per merge instead of once per post. At the start of each write transaction the map
/// catches up with what other processes appended and merged. A transaction's own ids go in at once, as pending,
/// and are taken out again if it does not commit. Used only on the writer's thread.
final class RecentClientIds {
    private var receipts: [Projections.ClientKey: MessageReceipt] = [:]
    /// The keys of `receipts` in `seq` order from `orderStart` on, so merged ones can be dropped oldest first; those
    /// from `pendingStart` on belong to the open transaction.
    private var order: [(seq: UInt64, key: Projections.ClientKey)] = []
    private var orderStart = 0
    private var pendingStart = 0
    /// Every recent id up to this `seq` has been read into the map (or merged into `client_ids`).
    private var throughSeq: UInt64 = 0

    /// The recent id's receipt, if `user` used `id` recently.
    func receipt(user: String, id: String) -> MessageReceipt? {
        receipts[Projections.ClientKey(user: user, id: id)]
    }

    /// Starts a write transaction at `head`: takes out what an earlier attempt left pending, drops what was merged,
    /// and reads what other processes appended. Throws `LMDBError` or `StoreError.corruptRecord`.
    func begin(_ txn: Transaction, _ databases: StoreDatabases, head: UInt64) throws {
        for (_, key) in order[pendingStart...] { receipts[key] = nil }
        order.removeSubrange(pendingStart...)
        let merged = try Self.mergedThrough(txn, databases)
        drop(through: merged)
        guard head > throughSeq else { return }
        try txn.withCursor(databases.clientIdsRecent) { cursor in
            var entry = try cursor.seek(atLeast: StoreKeys.seq(max(throughSeq, merged) + 1))
            while let (key, value) = entry {
                let seq = StoreKeys.seq(from: key)
                guard seq <= head else { break }
                let (user, receipt) = try RecordCoding.decodeRecent(seq: seq, value)
                insert(user: user, receipt)
                entry = try cursor.next()
            }
        }
        pendingStart = order.count
        throughSeq = head
    }

    /// Adds a client id of the open transaction.
    func insert(user: String, _ receipt: MessageReceipt) {
        let key = Projections.ClientKey(user: user, id: receipt.id)
        receipts[key] = receipt
        order.append((receipt.seq, key))
    }

    /// Keeps what the open transaction added, now that it committed the log up to `head` and merged into
    /// `client_ids` up to `mergedThrough`.
    func committed(head: UInt64, mergedThrough: UInt64) {
        pendingStart = order.count
        throughSeq = max(throughSeq, head)
        drop(through: mergedThrough)
    }

    private func drop(through seq: UInt64) {
        while orderStart < order.count, order[orderStart].seq <= seq {
            receipts[order[orderStart].key] = nil
            orderStart += 1
        }
        if orderStart > 1024, orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            pendingStart -= orderStart
            orderStart = 0
        }
    }

    /// The `seq` through which every client id is in `client_ids` (0 for a log that never merged).
    static func mergedThrough(_ txn: Transaction, _ databases: StoreDatabases) throws -> UInt64 {
        guard let bytes = try txn.get(databases.meta, MetaKey.clientIdsMergedThrough) else { return 0 }
        guard bytes.count == 8 else { throw StoreError.corruptRecord(database: "meta") }
        return StoreKeys.seq(from: bytes)
    }

    /// Moves the oldest `count` recent ids into `client_ids` in key order and records how far that reaches;
    /// returns the new `mergedThrough`. Throws `LMDBError` or `StoreError.corruptRecord`.
    static func merge(_ txn: Transaction, _ databases: StoreDatabases, count: Int) throws -> UInt64 {
        var moved: [(seq: UInt64, key: [UInt8], value: [UInt8])] = []
        try txn.withCursor(databases.clientIdsRecent) { cursor in
            var entry = try cursor.first()
            while let (key, value) = entry, moved.count < count {
                let seq = StoreKeys.seq(from: key)
                let (user, receipt) = try RecordCoding.decodeRecent(seq: seq, value)
                moved.append((seq, StoreKeys.pair(user, receipt.id), RecordCoding.encode(receipt)))
                entry = try cursor.next()
            }
        }
        guard let last = moved.last?.seq else { return try mergedThrough(txn, databases) }
        for entry in moved.sorted(by: { StoreKeys.precedes($0.key, $1.key) }) { try txn.put(databases.clientIds, entry.key, entry.value) }
        for entry in moved { _ = try txn.delete(databases.clientIdsRecent, StoreKeys.seq(entry.seq)) }
        try txn.put(databases.meta, MetaKey.clientIdsMergedThrough, StoreKeys.seq(last))
        return last
    }
}
