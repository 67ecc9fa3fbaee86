public import RoomlogCore

extension Store {
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
}
