import RoomlogCore

extension Store {
    /// Checks, in one snapshot, that the log is dense from 1, every record decodes, every room's sequence is dense,
    /// and the stored projections equal a rebuild. Throws only `LMDBError`; findings are in the report.
    public func verify() throws -> VerifyReport {
        try environment.read { txn in
            var problems: [String] = []
            let rebuilt: Projections
            let rebuiltIds: ClientIdList, rebuiltOrder: [Int]
            do {
                (rebuilt, rebuiltIds) = try replayLog(txn)
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
