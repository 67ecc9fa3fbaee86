import RoomlogCore

/// One event of every type, with the values the committed fixture holds.
enum SampleEvents {
    static let digest = TokenDigest(bytes: Array(0..<32))!
    static let at = Timestamp(milliseconds: 1_795_704_803_120)  // 2026-11-26T14:53:23.120Z

    static let all: [Event] = [
        Event(seq: 1, at: at, payload: .userRegistered(user: "alice", passwordHash: "$2b$04$abcdefghijklmnopqrstuv")),
        Event(seq: 2, at: at, payload: .userRegistered(user: "bob", passwordHash: "$2b$04$zyxwvutsrqponmlkjihgfe")),
        Event(seq: 3, at: at, payload: .sessionOpened(user: "alice", session: "0a1b2c3d4e5f", tokenDigest: digest, expiresAt: at.adding(milliseconds: 604_800_000))),
        Event(seq: 4, at: at, roomSeq: 1, payload: .roomCreated(user: "alice", room: "kkbox", topic: "food & \"talk\"")),
        Event(seq: 5, at: at, roomSeq: 2, payload: .roomJoined(user: "bob", room: "kkbox")),
        Event(seq: 6, at: at, roomSeq: 3, payload: .messagePosted(user: "alice", room: "kkbox", body: "肚子餓了吃啥 ?", clientId: "c-19")),
        Event(seq: 7, at: at, roomSeq: 4, payload: .messagePosted(user: "bob", room: "kkbox", body: "line\nbreak\ttab \u{1}", clientId: nil)),
        Event(seq: 8, at: at, roomSeq: 5, payload: .roomLeft(user: "bob", room: "kkbox")),
        Event(seq: 9, at: at, payload: .sessionClosed(user: "alice", session: "0a1b2c3d4e5f", tokenDigest: digest, reason: .logout)),
        Event(seq: 10, at: at, payload: .sessionClosed(user: "alice", session: "0a1b2c3d4e5f", tokenDigest: digest, reason: .expired)),
    ]
}
