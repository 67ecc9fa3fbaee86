import Foundation
import RoomlogCore

/// What a rebuild did.
public struct RebuildReport: Sendable, Equatable {
    /// Events read.
    public var events: UInt64
    /// Users, live sessions, rooms, memberships and client ids written.
    public var users: Int, sessions: Int, rooms: Int, memberships: Int, clientIds: Int
    /// How long it took, in seconds.
    public var seconds: Double
}

/// What `verify` found.
public struct VerifyReport: Sendable, Equatable {
    /// Events checked.
    public var events: UInt64
    /// Every problem found, the first bad `seq` first; empty when the log and projections are sound.
    public var problems: [String]
    /// Whether everything holds.
    public var isSound: Bool { problems.isEmpty }
}

extension Store {
    /// Drops every projection and rebuilds it from the events alone, in one write transaction (writers in every
    /// process wait for it). Throws `LogInconsistency` or `EventDecodingError` for a damaged log (nothing is
    /// changed then), or `LMDBError`.
    public func rebuild() throws -> RebuildReport {
        let started = Date()
        let (projections, clientIds) = try environment.write { txn in
            let (projections, clientIds) = try replayLog(txn, readingOnSecondThread: true)
            for database in databases.projections { try txn.empty(database) }
            try writeProjections(projections, clientIds: clientIds, txn)
            return (projections, clientIds)
        }
        return RebuildReport(
            events: projections.appliedSeq, users: projections.users.count, sessions: projections.sessions.count,
            rooms: projections.rooms.count, memberships: projections.members.values.reduce(0) { $0 + $1.count },
            clientIds: clientIds.count, seconds: Date().timeIntervalSince(started))
    }

    /// Replaces every projection with `projections` and the client ids `clientIds` (their `clientMessages` are not
    /// used), computed by the caller from this log's events (an import applies each event as it reads it). Throws
    /// `StoreError.notNext` unless they cover the log to its head, or `LogInconsistency` for an id used twice.
    public func replaceProjections(with projections: Projections, clientIds: ClientIdList) throws {
        try environment.write { txn in
            let head = try head(txn)
            guard projections.appliedSeq == head else { throw StoreError.notNext(expected: head, found: projections.appliedSeq) }
            for database in databases.projections { try txn.empty(database) }
            try writeProjections(projections, clientIds: clientIds, txn)
        }
    }

    /// Checks, in one snapshot, that the log is dense from 1, every record decodes, every room's sequence is dense,
    /// and the stored projections equal a rebuild. Throws only `LMDBError`; findings are in the report.
    public func verify() throws -> VerifyReport {
        try environment.read { txn in
            var problems: [String] = []
            let rebuilt: Projections
            let rebuiltIds: ClientIdList, rebuiltOrder: [Int]
            do {
                (rebuilt, rebuiltIds) = try replayLog(txn, readingOnSecondThread: false)
                rebuiltOrder = try rebuiltIds.sortedIndices()
            } catch let error as LogInconsistency {
                return VerifyReport(events: error.seq - 1, problems: [error.description])
            } catch let error as EventDecodingError {
                return VerifyReport(events: error.seq - 1, problems: [error.description])
            }
            // Client ids are compared as two sorted lists: a million of them in two dictionaries cost more than the replay.
            let stored: Projections
            let storedIds: (ids: ClientIdList, order: [Int])
            do {
                stored = try loadProjectionsExceptClientIds(txn)
                storedIds = try loadClientIds(txn)
            } catch let error as StoreError {
                return VerifyReport(events: rebuilt.appliedSeq, problems: [error.description])
            }
            let differingIds = storedIds.ids.differingKeys(storedIds.order, rebuiltIds, rebuiltOrder)
            problems += Self.differences(stored: stored, rebuilt: rebuilt, differingClientIds: differingIds)
            if try !sessionExpiryMatches(txn, stored.sessions) { problems.append("session_expiry does not match sessions") }
            return VerifyReport(events: rebuilt.appliedSeq, problems: problems)
        }
    }

    /// Events a replay's reading thread decodes per chunk, and chunks that may wait for the applying thread.
    static let replayChunkEventsMax = 4096
    static let replayChunksMax = 4

    /// The events of the log up to `txn`'s head applied, with checks, to empty projections, and the client ids of
    /// its messages, not yet checked for an id used twice (`ClientIdList.sortedIndices()` finds one). Throws
    /// `LogInconsistency` or `EventDecodingError` for the first bad `seq` (an id used twice before it counts), or
    /// `LMDBError`.
    ///
    /// `readingOnSecondThread`: a second thread reads and decodes the events from its own snapshot (which holds the
    /// same events up to that head: events never change) and collects their client ids while this one applies them.
    /// Only for a write `txn`: no process can commit meanwhile, so that snapshot never finds the map resized by
    /// another process, which would need the exclusive resize lock that this thread's transaction holds shared.
    func replayLog(_ txn: Transaction, readingOnSecondThread: Bool) throws -> (Projections, ClientIdList) {
        let head = try head(txn)
        let storedIds = try txn.count(databases.clientIds) + txn.count(databases.clientIdsRecent)
        let idsExpected = storedIds > 0 ? storedIds : Int(head)
        var projections = Projections()
        guard !readingOnSecondThread else {
            let clientIds = try replayLog(through: head, idsExpected: idsExpected, into: &projections)
            return (projections, clientIds)
        }
        var clientIds = ClientIdList()
        clientIds.reserveCapacity(idsExpected)
        do {
            try scanEvents(txn, from: 1, keepingBodies: false) { event in
                try projections.applyCheckedExceptClientIds(event)
                clientIds.appendId(of: event)
                return true
            }
        } catch {
            throw Self.firstProblem(error, clientIds)
        }
        return (projections, clientIds)
    }

    /// Applies events 1 through `head` to `projections` while a second thread reads them; returns their client ids.
    private func replayLog(through head: UInt64, idsExpected: Int, into projections: inout Projections) throws -> ClientIdList {
        let pipe = ChunkPipe<Result<[Event], any Error>>(chunksMax: Self.replayChunksMax)
        let reader = BackgroundWork(name: "roomlog-replay") { [self] in
            defer { pipe.finish() }
            var clientIds = ClientIdList()
            clientIds.reserveCapacity(idsExpected)
            do {
                try readEvents(through: head, into: pipe) { clientIds.appendId(of: $0) }
            } catch {
                _ = pipe.put(.failure(error))
            }
            return clientIds
        }
        do {
            while let chunk = pipe.take() {
                let events = try chunk.get()
                for index in events.indices { try projections.applyCheckedExceptClientIds(events[index]) }
            }
        } catch {
            pipe.cancel()
            throw Self.firstProblem(error, try reader.value())
        }
        return try reader.value()
    }

    /// `error`, or the client id used twice that `clientIds` (the ids read so far) holds before it.
    static func firstProblem(_ error: any Error, _ clientIds: ClientIdList) -> any Error {
        let seq: UInt64
        switch error {
        case let inconsistency as LogInconsistency: seq = inconsistency.seq
        case let damage as EventDecodingError: seq = damage.seq
        default: return error
        }
        return clientIds.repeatedId(before: seq) ?? error
    }

    /// Reads events 1 through `head` in chunks into `pipe`, calling `each` with every one, until it is cancelled;
    /// throws `LMDBError` or `EventDecodingError`.
    private func readEvents(through head: UInt64, into pipe: ChunkPipe<Result<[Event], any Error>>, each: (Event) -> Void) throws {
        var chunk: [Event] = []
        chunk.reserveCapacity(Self.replayChunkEventsMax)
        var open = true
        try environment.read { txn in
            try scanEvents(txn, from: 1, keepingBodies: false) { event in
                guard event.seq <= head else { return false }
                each(event)
                chunk.append(event)
                if chunk.count == Self.replayChunkEventsMax {
                    open = pipe.put(.success(chunk))
                    chunk.removeAll(keepingCapacity: true)
                }
                return open
            }
        }
        if open, !chunk.isEmpty { _ = pipe.put(.success(chunk)) }
    }

    /// What differs between `stored` and `rebuilt`, besides their client ids, which differ at `differingClientIds`.
    static func differences(stored: Projections, rebuilt: Projections, differingClientIds: [Projections.ClientKey]) -> [String] {
        var problems: [String] = []
        func report(_ name: String, _ keys: [some Any]) {
            problems.append("\(name) differs from a rebuild at \(keys.count) key(s), e.g. \(keys.map { "\($0)" }.sorted().prefix(3).joined(separator: ", "))")
        }
        func compare<K: Hashable, V: Equatable>(_ name: String, _ a: [K: V], _ b: [K: V]) {
            guard a != b else { return }
            report(name, Array(Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }))
        }
        if stored.appliedSeq != rebuilt.appliedSeq {
            problems.append("projections were applied up to seq \(stored.appliedSeq), the log ends at \(rebuilt.appliedSeq)")
        }
        compare("users", stored.users, rebuilt.users)
        compare("sessions", stored.sessions, rebuilt.sessions)
        compare("rooms", stored.rooms, rebuilt.rooms)
        compare("room_members", stored.members, rebuilt.members)
        compare("user_rooms", stored.userRooms, rebuilt.userRooms)
        if !differingClientIds.isEmpty { report("client_ids", differingClientIds) }
        compare("room_index", stored.roomIndex, rebuilt.roomIndex)
        return problems
    }
}
