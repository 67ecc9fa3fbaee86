import RoomlogCore

/// The body of the writer's one write transaction per batch: for each command, decide it against the projections
/// inside the transaction, append its event at `head + 1`, and apply it to the projections; then commit once.
///
/// A command whose decision or append fails with a storage error (not a domain error) is isolated: the
/// transaction is aborted and run again without it, and it alone gets that error, so one client's command never
/// fails another's. An error of the commit itself is not any one command's: it fails the whole batch.
/// Used only on the writer's thread.
final class AppendTransaction {
    let store: Store
    let decider: Decider
    /// The recent client ids and the cache of other projections, kept between transactions.
    private let recentClientIds = RecentClientIds()
    let cache: WriterCache

    init(store: Store) {
        self.store = store
        decider = Decider(validation: Validation(limits: store.configuration.limits))
        cache = WriterCache(entriesMax: store.configuration.writerCacheEntriesMax)
    }

    /// A storage error thrown while one command of the batch was applied.
    private struct CommandFailure: Error {
        let index: Int
        let error: any Error
    }

    /// Runs `batch` (each command with the session it acts for, if any) in one transaction stamped `now`; returns
    /// each command's result in order.
    func run(_ batch: [(command: Command, session: TokenDigest?)], now: Timestamp) -> [Result<CommandOutcome, any Error>] {
        var results = [Result<CommandOutcome, any Error>?](repeating: nil, count: batch.count)
        var remaining = Array(batch.indices)
        while !remaining.isEmpty {
            do {
                let outcomes = try commit(remaining.map { batch[$0] }, now: now)
                for (index, outcome) in zip(remaining, outcomes) { results[index] = outcome }
                remaining = []
            } catch let failure as CommandFailure {
                let index = remaining.remove(at: failure.index)
                results[index] = .failure(failure.error)
            } catch {
                for index in remaining { results[index] = .failure(error) }
                remaining = []
            }
        }
        return results.map { $0! }
    }

    /// One write transaction for `batch`; throws `CommandFailure` naming the command that failed with a storage
    /// error, or the error of the transaction itself.
    private func commit(_ batch: [(command: Command, session: TokenDigest?)], now: Timestamp) throws -> [Result<CommandOutcome, any Error>] {
        let (results, head, merged) = try store.environment.write(deferringSync: true) { txn in
            let start = try store.head(txn)
            let applied = try store.appliedSeq(txn)
            precondition(applied == start, "projections applied up to \(applied) but the log ends at \(start)")
            try recentClientIds.begin(txn, store.databases, head: start)
            cache.begin(head: start)
            var state = TransactionProjections(txn, store.databases, recent: recentClientIds, cache: cache, configuration: store.configuration)
            var head = start
            var results: [Result<CommandOutcome, any Error>] = []
            results.reserveCapacity(batch.count)
            for (index, item) in batch.enumerated() {
                do {
                    results.append(try apply(item.command, by: item.session, now: now, head: &head, &state))
                } catch LMDBError.mapFull {
                    throw LMDBError.mapFull  // the whole transaction's: the environment grows the map and runs it again
                } catch {
                    throw CommandFailure(index: index, error: error)
                }
            }
            try state.flush()
            if head != start { try txn.put(store.databases.meta, MetaKey.appliedSeq, StoreKeys.seq(head)) }
            return (results, head, try state.mergedThrough())
        }
        recentClientIds.committed(head: head, mergedThrough: merged)
        cache.committed(head: head)
        return results
    }

    /// Decides and applies one command; a domain error is its result, a storage error is thrown.
    private func apply(_ command: Command, by session: TokenDigest?, now: Timestamp, head: inout UInt64,
                       _ state: inout TransactionProjections) throws -> Result<CommandOutcome, any Error> {
        let decision: Decider.Decision
        do {
            decision = try decider.decide(command, by: session, now: now, state: state)
        } catch let error as RoomlogError {
            return .failure(error)
        }
        switch decision {
        case .append(let payload, let roomSeq):
            let event = Event(seq: head + 1, at: now, roomSeq: roomSeq, payload: payload)
            try StoreKeys.withSeq(event.seq) { key in
                try EventCodec.encode(event).withUnsafeBytes { try state.txn.put(store.databases.events, key, $0, append: true) }
            }
            try Reducer.apply(event, to: &state)
            head = event.seq
            return .success(.appended(event, room: try event.room.flatMap { try state.room(named: $0) }))
        case .unchanged(let room):
            return .success(.unchanged(room: room))
        case .repeated(let receipt):
            return .success(.repeated(receipt))
        }
    }
}
