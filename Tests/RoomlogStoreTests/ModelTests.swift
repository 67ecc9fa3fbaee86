import Foundation
import Testing
import RoomlogCore
@testable import RoomlogStore

/// A plain in-memory model of the commands, written separately from the core's decider and reducers.
struct Model {
    var users: [String: String] = [:]
    var sessions: [TokenDigest: Session] = [:]
    var rooms: [String: (topic: String, head: UInt64, members: Set<String>)] = [:]
    var receipts: [Projections.ClientKey: MessageReceipt] = [:]
    var roomIndex: [String: [UInt64]] = [:]
    var seq: UInt64 = 0
    let rules: Validation

    mutating func run(_ command: Command, now: Timestamp) -> Result<CommandOutcome, RoomlogError> {
        Result { () throws(RoomlogError) -> CommandOutcome in try execute(command, now: now) }
    }

    mutating func execute(_ command: Command, now: Timestamp) throws(RoomlogError) -> CommandOutcome {
        switch command {
        case .register(let user, let hash):
            try rules.checkName(user)
            if hash.isEmpty { throw .invalidPassword }
            if users[user] != nil { throw .nameTaken }
            users[user] = hash
            return append(.userRegistered(user: user, passwordHash: hash), now: now)
        case .openSession(let user, let id, let digest, let expiresAt):
            if users[user] == nil { throw .badCredentials }
            if sessions[digest] != nil { throw .unauthorized }
            sessions[digest] = Session(tokenDigest: digest, id: id, user: user, expiresAt: expiresAt)
            return append(.sessionOpened(user: user, session: id, tokenDigest: digest, expiresAt: expiresAt), now: now)
        case .logout(let digest), .expireSession(let digest):
            guard let session = sessions[digest] else { throw .unauthorized }
            var reason = SessionCloseReason.logout
            if case .expireSession = command {
                if session.expiresAt > now { throw .sessionNotExpired }
                reason = .expired
            }
            sessions[digest] = nil
            return append(.sessionClosed(user: session.user, session: session.id, tokenDigest: digest, reason: reason), now: now)
        case .createRoom(let user, let room, let topic):
            try rules.checkName(room)
            try rules.checkTopic(topic)
            if users[user] == nil { throw .unauthorized }
            if rooms[room] != nil { throw .roomExists }
            if roomCount(of: user) >= rules.limits.roomsPerUserMax { throw .roomsPerUserReached }
            rooms[room] = (topic, 0, [user])
            return appendToRoom(room, .roomCreated(user: user, room: room, topic: topic), now: now)
        case .join(let user, let room), .leave(let user, let room):
            try rules.checkName(room)
            if users[user] == nil { throw .unauthorized }
            guard let state = rooms[room] else { throw .roomNotFound }
            let joining: Bool
            if case .join = command { joining = true } else { joining = false }
            if state.members.contains(user) == joining { return .unchanged(room: summary(room)) }
            if joining, roomCount(of: user) >= rules.limits.roomsPerUserMax { throw .roomsPerUserReached }
            if joining { rooms[room]!.members.insert(user) } else { rooms[room]!.members.remove(user) }
            return appendToRoom(room, joining ? .roomJoined(user: user, room: room) : .roomLeft(user: user, room: room), now: now)
        case .post(let user, let room, let body, let id):
            try rules.checkName(room)
            if users[user] == nil { throw .unauthorized }
            if let id {
                try rules.checkClientId(id)
                if let receipt = receipts[.init(user: user, id: id)] { return .repeated(receipt) }
            }
            try rules.checkBody(body)
            guard let state = rooms[room] else { throw .roomNotFound }
            if !state.members.contains(user) { throw .notAMember }
            let outcome = appendToRoom(room, .messagePosted(user: user, room: room, body: body, clientId: id), now: now)
            if let id { receipts[.init(user: user, id: id)] = MessageReceipt(id: id, room: room, seq: seq, roomSeq: rooms[room]!.head) }
            return outcome
        }
    }

    func roomCount(of user: String) -> Int {
        rooms.values.filter { $0.members.contains(user) }.count
    }

    mutating func append(_ payload: EventPayload, now: Timestamp) -> CommandOutcome {
        seq += 1
        return .appended(Event(seq: seq, at: now, payload: payload), room: nil)
    }

    mutating func appendToRoom(_ room: String, _ payload: EventPayload, now: Timestamp) -> CommandOutcome {
        seq += 1
        rooms[room]!.head += 1
        roomIndex[room, default: []].append(seq)
        return .appended(Event(seq: seq, at: now, roomSeq: rooms[room]!.head, payload: payload), room: summary(room))
    }

    func summary(_ room: String) -> Room {
        let state = rooms[room]!
        return Room(name: room, topic: state.topic, head: state.head, members: UInt64(state.members.count))
    }

    var projections: Projections {
        var projections = Projections()
        projections.users = users.reduce(into: [:]) { $0[$1.key] = User(name: $1.key, passwordHash: $1.value) }
        projections.sessions = sessions
        projections.rooms = rooms.keys.reduce(into: [:]) { $0[$1] = summary($1) }
        for (room, state) in rooms where !state.members.isEmpty {
            projections.members[room] = state.members
            for user in state.members { projections.userRooms[user, default: []].insert(room) }
        }
        projections.clientMessages = receipts
        projections.roomIndex = roomIndex
        projections.appliedSeq = seq
        return projections
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be repeated from its printed seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random commands over small pools of names, so that they collide often, including bad input of every kind.
struct CommandGenerator {
    var random: SeededGenerator
    let users = ["ann", "bob", "cy", "dee", "Bad!"]
    let rooms = ["r1", "r2", "r3", "_bad"]
    let digests = (1...6).map { TokenDigest(bytes: Array(repeating: UInt8($0), count: 32))! }
    let bodies = ["hi", "", String(repeating: "b", count: 4001), "漢字 ✓", "line\nbreak"]
    let ids: [String?] = [nil, nil, "a", "b", "c", "", "bad id"]
    let topics = ["", "a topic", String(repeating: "t", count: 201)]

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    mutating func next(now: Timestamp) -> Command {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: .register(user: pick(users), passwordHash: pick(["h", ""]))
        case 1: .openSession(user: pick(users), session: "s\(Int.random(in: 0..<100, using: &random))", tokenDigest: pick(digests),
                             expiresAt: now.adding(milliseconds: Int64.random(in: 0...5000, using: &random)))
        case 2: .logout(tokenDigest: pick(digests))
        case 3: .expireSession(tokenDigest: pick(digests))
        case 4: .createRoom(user: pick(users), room: pick(rooms), topic: pick(topics))
        case 5: .join(user: pick(users), room: pick(rooms))
        case 6: .leave(user: pick(users), room: pick(rooms))
        default: .post(user: pick(users), room: pick(rooms), body: pick(bodies), clientId: pick(ids))
        }
    }
}

@Suite("Store against a model")
struct ModelTests {
    @Test("thousands of random commands give the model's outcomes and projections; rebuild equals them too")
    func randomized() async throws {
        let seed = ProcessInfo.processInfo.environment["ROOMLOG_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("randomized model test seed: \(seed) (rerun with ROOMLOG_SEED=\(seed))")
        var limits = Limits()
        limits.roomsPerUserMax = 2  // four room names: users reach the limit often
        let log = try TestLog(limits: limits)
        defer { log.close() }
        var model = Model(rules: Validation(limits: limits))
        var generator = CommandGenerator(random: SeededGenerator(state: seed))
        var appended = 0
        for step in 0..<3000 {
            if step % 7 == 0 { log.time.advance(milliseconds: 700) }
            let now = log.time.clock()
            let command = generator.next(now: now)
            let expected = model.run(command, now: now)
            let actual: Result<CommandOutcome, RoomlogError>
            do {
                actual = .success(try await log.append(command))
            } catch let error as RoomlogError {
                actual = .failure(error)
            }
            #expect(actual == expected, "step \(step), seed \(seed): \(command)")
            if case .success(.appended) = actual { appended += 1 }
            if actual != expected { break }
        }
        #expect(appended > 300)
        let live = try log.storedProjections()
        #expect(live == model.projections, "seed \(seed)")
        #expect(try log.store.verify().problems == [])
        let report = try log.store.rebuild()
        #expect(report.events == model.seq)
        #expect(try log.storedProjections() == live, "seed \(seed)")
    }
}
