/// The named databases of a Roomlog environment.
struct StoreDatabases: Sendable {
    /// `seq` -> encoded event.
    let events: Database
    /// room, 0, `roomSeq` -> `seq`.
    let roomIndex: Database
    /// user name -> password hash.
    let users: Database
    /// token digest -> session.
    let sessions: Database
    /// expiry, token digest -> nothing: sessions in the order they expire.
    let sessionExpiry: Database
    /// room name -> topic, head, member count.
    let rooms: Database
    /// room, 0, user -> nothing.
    let roomMembers: Database
    /// user, 0, room -> nothing.
    let userRooms: Database
    /// user, 0, client id -> receipt: every client id but the recent ones.
    let clientIds: Database
    /// big-endian `seq` -> user, client id, room, `roomSeq`: the recent client ids, appended in log order and merged
    /// into `clientIds` in bulk (`RecentClientIds`).
    let clientIdsRecent: Database
    /// format, epoch, applied seq.
    let meta: Database

    /// Every projection database: what `rebuild` empties and refills.
    var projections: [Database] { [roomIndex, users, sessions, sessionExpiry, rooms, roomMembers, userRooms, clientIds, clientIdsRecent] }

    /// Opens (creating) every database in `txn`.
    init(_ txn: Transaction) throws {
        events = try txn.open("events", create: true)
        roomIndex = try txn.open("room_index", create: true)
        users = try txn.open("users", create: true)
        sessions = try txn.open("sessions", create: true)
        sessionExpiry = try txn.open("session_expiry", create: true)
        rooms = try txn.open("rooms", create: true)
        roomMembers = try txn.open("room_members", create: true)
        userRooms = try txn.open("user_rooms", create: true)
        clientIds = try txn.open("client_ids", create: true)
        clientIdsRecent = try txn.open("client_ids_recent", create: true)
        meta = try txn.open("meta", create: true)
    }
}
