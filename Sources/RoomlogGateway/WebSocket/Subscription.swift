/// One connection's subscription to one room, as its hub walks it: the connection, and the last `roomSeq` written
/// to it (so the live feed skips what the catch-up already sent). Touched only on the hub's loop. The connection
/// drops its subscriptions when its handler is removed, which breaks the reference cycles.
final class Subscription {
    let room: String
    let connection: ChatConnection
    var last: UInt64
    /// The subscription's place in its hub's list for the room.
    var index = 0
    /// Its room on the hub, while it is subscribed there.
    var hubRoom: HubRoom?
    /// Whether events reached it that its connection's next flush writes (it is on the connection's `behind`).
    var isBehind = false

    init(room: String, connection: ChatConnection, last: UInt64) {
        self.room = room
        self.connection = connection
        self.last = last
    }
}
