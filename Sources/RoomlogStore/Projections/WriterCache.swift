import RoomlogCore

/// The users, rooms and memberships a process's writer has read or written, kept from one write transaction to the
/// next while nothing else changes the log: a batch of posts from N users would otherwise read N users and N
/// memberships from their B-trees again in every transaction. Projections change only with the events that change
/// the log's head, so a head other than the one this writer's last commit left means another process committed,
/// and the cache starts empty. Used only on the writer's thread.
final class WriterCache {
    /// A membership: a room and a user.
    struct Membership: Hashable {
        let room: String
        let user: String
    }

    /// Users by name. Only users that exist: a name nobody registered is looked up again each time, so clients
    /// cannot fill the cache with names of their choosing.
    var users: [String: User] = [:]
    /// Rooms by name, only rooms that exist (likewise).
    var rooms: [String: Room] = [:]
    /// Whether each user is a member of each room (asked only of rooms that exist).
    var memberships: [Membership: Bool] = [:]
    /// The head after this writer's last commit, or nil while a transaction may have changed the cache and not
    /// committed.
    private var committedHead: UInt64?
    private let entriesMax: Int

    /// An empty cache that empties itself when it holds more than `entriesMax` users, rooms and memberships.
    init(entriesMax: Int) {
        self.entriesMax = entriesMax
    }

    /// Starts a write transaction at `head`: keeps what the cache holds only if this writer's last commit left the
    /// log at `head` and the cache is within its limit.
    func begin(head: UInt64) {
        if committedHead != head || users.count + rooms.count + memberships.count > entriesMax {
            users = [:]
            rooms = [:]
            memberships = [:]
        }
        committedHead = nil
    }

    /// Keeps what the open transaction changed, now that it committed the log up to `head`.
    func committed(head: UInt64) {
        committedHead = head
    }
}
