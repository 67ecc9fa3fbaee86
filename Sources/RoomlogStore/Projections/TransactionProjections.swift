import RoomlogCore

/// The projections as seen and changed inside one write transaction. Users, rooms and memberships read or written
/// are kept in the writer's cache (see `WriterCache`); rooms reach the database once per transaction, in `flush()`,
/// which must run before the transaction commits. Client ids go to the recent ones (see `RecentClientIds`);
/// `flush()` merges the oldest into `client_ids` when there are too many.
struct TransactionProjections: ProjectionState {
    let txn: Transaction
    let databases: StoreDatabases
    let recent: RecentClientIds
    let cache: WriterCache
    let configuration: StoreConfiguration
    private let changes = Changes()

    /// What this transaction changed that `flush()` writes or reports.
    final class Changes {
        var dirtyRooms: Set<String> = []
        /// Client ids this batch added (to the recent ones, as pending).
        var clientIdsAdded = 0
        var mergedThrough: UInt64?
    }

    /// The projections in `txn`, with the writer's `recent` client ids and `cache`, both begun at `txn`'s head.
    init(_ txn: Transaction, _ databases: StoreDatabases, recent: RecentClientIds, cache: WriterCache, configuration: StoreConfiguration) {
        self.txn = txn
        self.databases = databases
        self.recent = recent
        self.cache = cache
        self.configuration = configuration
    }

    /// `client_ids_merged_through` after this transaction; throws `LMDBError`.
    func mergedThrough() throws -> UInt64 {
        if let merged = changes.mergedThrough { return merged }
        return try RecentClientIds.mergedThrough(txn, databases)
    }

    mutating func flush() throws {
        for name in changes.dirtyRooms.sorted() {
            guard let room = cache.rooms[name] else { continue }
            try txn.put(databases.rooms, Array(name.utf8), RecordCoding.encode(room))
        }
        changes.dirtyRooms = []
        if changes.clientIdsAdded > 0, try txn.count(databases.clientIdsRecent) > configuration.clientIdsRecentMax {
            changes.mergedThrough = try RecentClientIds.merge(txn, databases, count: configuration.clientIdsMergeMax)
        }
    }

    func user(named name: String) throws -> User? {
        if let cached = cache.users[name] { return cached }
        let user = try Self.user(named: name, txn, databases)
        if let user { cache.users[name] = user }
        return user
    }

    func session(digest: TokenDigest) throws -> Session? {
        try Self.session(digest: digest, txn, databases)
    }

    func room(named name: String) throws -> Room? {
        if let cached = cache.rooms[name] { return cached }
        let room = try Self.room(named: name, txn, databases)
        if let room { cache.rooms[name] = room }
        return room
    }

    func isMember(user: String, room: String) throws -> Bool {
        let membership = WriterCache.Membership(room: room, user: user)
        if let cached = cache.memberships[membership] { return cached }
        let isMember = try StoreKeys.withPair(room, user) { try txn.get(databases.roomMembers, $0) } != nil
        cache.memberships[membership] = isMember
        return isMember
    }

    func clientMessage(user: String, id: String) throws -> MessageReceipt? {
        if let receipt = recent.receipt(user: user, id: id) { return receipt }
        return try StoreKeys.withPair(user, id) { key in
            try txn.get(databases.clientIds, key).map { try RecordCoding.decodeReceipt(id: id, $0) }
        }
    }

    func roomCount(of user: String, upTo limit: Int) throws -> Int {
        let prefix = StoreKeys.prefix(user)
        return try txn.withCursor(databases.userRooms) { cursor in
            var count = 0
            var entry = try cursor.seek(atLeast: prefix)
            while count < limit, let (key, _) = entry, key.starts(with: prefix) {
                count += 1
                entry = try cursor.next()
            }
            return count
        }
    }

    mutating func putUser(_ user: User) throws {
        try txn.put(databases.users, Array(user.name.utf8), RecordCoding.encode(user))
        cache.users[user.name] = user
    }

    mutating func putSession(_ session: Session) throws {
        try txn.put(databases.sessions, session.tokenDigest.bytes, RecordCoding.encode(session))
        try txn.put(databases.sessionExpiry, StoreKeys.expiry(session.expiresAt, session.tokenDigest), [])
    }

    mutating func removeSession(_ session: Session) throws {
        try txn.delete(databases.sessions, session.tokenDigest.bytes)
        try txn.delete(databases.sessionExpiry, StoreKeys.expiry(session.expiresAt, session.tokenDigest))
    }

    mutating func putRoom(_ room: Room) throws {
        cache.rooms[room.name] = room
        changes.dirtyRooms.insert(room.name)
    }

    mutating func addMember(user: String, room: String) throws {
        try txn.put(databases.roomMembers, StoreKeys.pair(room, user), [])
        try txn.put(databases.userRooms, StoreKeys.pair(user, room), [])
        cache.memberships[WriterCache.Membership(room: room, user: user)] = true
    }

    mutating func removeMember(user: String, room: String) throws {
        try txn.delete(databases.roomMembers, StoreKeys.pair(room, user))
        try txn.delete(databases.userRooms, StoreKeys.pair(user, room))
        cache.memberships[WriterCache.Membership(room: room, user: user)] = false
    }

    mutating func putClientMessage(user: String, receipt: MessageReceipt) throws {
        try StoreKeys.withSeq(receipt.seq) { key in
            try RecordCoding.encodeRecent(user: user, receipt).withUnsafeBytes { try txn.put(databases.clientIdsRecent, key, $0, append: true) }
        }
        recent.insert(user: user, receipt)
        changes.clientIdsAdded += 1
    }

    mutating func indexRoomEvent(room: String, roomSeq: UInt64, seq: UInt64) throws {
        try StoreKeys.withRoomEvent(room, roomSeq) { key in try StoreKeys.withSeq(seq) { try txn.put(databases.roomIndex, key, $0) } }
    }

    static func user(named name: String, _ txn: Transaction, _ databases: StoreDatabases) throws -> User? {
        try txn.get(databases.users, Array(name.utf8)).map { try RecordCoding.decodeUser(name: name, $0) }
    }

    static func session(digest: TokenDigest, _ txn: Transaction, _ databases: StoreDatabases) throws -> Session? {
        try txn.get(databases.sessions, digest.bytes).map { try RecordCoding.decodeSession(digest: digest, $0) }
    }

    static func room(named name: String, _ txn: Transaction, _ databases: StoreDatabases) throws -> Room? {
        try txn.get(databases.rooms, Array(name.utf8)).map { try RecordCoding.decodeRoom(name: name, $0) }
    }
}
