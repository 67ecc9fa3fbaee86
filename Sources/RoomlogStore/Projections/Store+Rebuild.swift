import Foundation
import RoomlogCore

extension Store {
    /// Drops every projection and rebuilds it from the events alone, in one write transaction (writers in every
    /// process wait for it). Throws `LogInconsistency` or `EventDecodingError` for a damaged log (nothing is
    /// changed then), or `LMDBError`.
    public func rebuild() throws -> RebuildReport {
        let started = Date()
        let (projections, clientIds) = try environment.write { txn in
            let (projections, clientIds) = try replayLogPipelined(txn)
            for database in databases.projections { try txn.empty(database) }
            try writeProjections(projections, clientIds: clientIds, txn)
            return (projections, clientIds)
        }
        return RebuildReport(
            events: projections.appliedSeq, users: projections.users.count, sessions: projections.sessions.count,
            rooms: projections.rooms.count, memberships: projections.members.values.reduce(0) { $0 + $1.count },
            clientIds: clientIds.count, seconds: Date().timeIntervalSince(started))
    }
}
