import RoomlogCore

/// The body of the writer's one write transaction per batch: for each command, decide it against the projections
/// inside the transaction, append its event at `head + 1`, and apply it to the projections; then commit once.
///
/// A command whose decision or append fails with a storage error (not a domain error) is isolated: the
/// transaction is aborted and run again without it, and it alone gets that error, so one client's command never
/// fails another's. An error of the commit itself is not any one command's: it fails the whole batch.
///
/// With a `ClusterLink` (this store is a mirror of a cluster's log), the cluster's lock is taken (or kept) before
/// the transaction, which applies the events the mirror lacks and makes the batch durable in the cluster before
/// committing locally.
/// Used only on the writer's thread.
final class AppendTransaction {
    let store: Store
    let decider: Decider
    let link: (any ClusterLink)?
    /// The recent client ids and the cache of other projections, kept between transactions.
    private let recentClientIds = RecentClientIds()
    let cache: WriterCache

    /// What one transaction did: each command's result, the events it applied from the cluster, the head after it.
    struct Outcome {
        var results: [Result<CommandOutcome, any Error>]
        var caughtUp = 0
        var head: UInt64 = 0
        /// Whether the cluster holds more events than the catch-up applied (it reads a page at a time).
        var more = false
    }

    init(store: Store, link: (any ClusterLink)? = nil) {
        self.store = store
        self.link = link
        decider = Decider(validation: Validation(limits: store.configuration.limits))
        cache = WriterCache(entriesMax: store.configuration.writerCacheEntriesMax)
    }

    /// A storage error thrown while one command of the batch was applied.
    private struct CommandFailure: Error {
        let index: Int
        let error: any Error
    }

    /// Runs `batch` (each command with the session it acts for, if any) in one transaction stamped `now`.
    func run(_ batch: [(command: Command, session: TokenDigest?)], now: Timestamp) -> Outcome {
        var results = [Result<CommandOutcome, any Error>?](repeating: nil, count: batch.count)
        var remaining = Array(batch.indices)
        var outcome = Outcome(results: [])
        while !remaining.isEmpty {
            do {
                let done = try commit(remaining.map { batch[$0] }, now: now)
                for (index, result) in zip(remaining, done.results) { results[index] = result }
                outcome.caughtUp += done.caughtUp
                outcome.head = done.head
                remaining = []
            } catch let failure as CommandFailure {
                let index = remaining.remove(at: failure.index)
                results[index] = .failure(failure.error)
            } catch {
                for index in remaining { results[index] = .failure(error) }
                remaining = []
            }
        }
        outcome.results = results.map { $0! }
        return outcome
    }

    /// Applies the events of the cluster that the mirror lacks, without the cluster's lock (a follower's catch-up):
    /// those `offered` (consecutive, as notifications carried them) if they follow the mirror's head, else those
    /// read from the cluster. Throws when the cluster cannot be read, or a storage error.
    func catchUp(now: Timestamp, offered: [Event] = []) throws -> Outcome {
        try commit([], now: now, locking: false, offered: offered)
    }

    /// One write transaction for `batch`; throws `CommandFailure` naming the command that failed with a storage
    /// error, or the error of the transaction itself.
    private func commit(_ batch: [(command: Command, session: TokenDigest?)], now: Timestamp, locking: Bool = true,
                        offered: [Event] = []) throws -> Outcome {
        if let link, locking { try link.acquire() }  // before the LMDB lock, never while holding it
        // Set once the cluster holds the batch: if the transaction then runs again (the map grew at its commit), the
        // batch's events come back from the cluster with any others, and the batch is not decided twice.
        var durable: Outcome?
        let (outcome, merged) = try store.environment.write(deferringSync: true) { txn in
            let start = try store.head(txn)
            let applied = try store.appliedSeq(txn)
            precondition(applied == start, "projections applied up to \(applied) but the log ends at \(start)")
            try recentClientIds.begin(txn, store.databases, head: start)
            cache.begin(head: start)
            var state = TransactionProjections(txn, store.databases, recent: recentClientIds, cache: cache, configuration: store.configuration)
            var head = start
            var outcome = Outcome(results: [])
            var appended: [Event] = []
            do {
                if let link {
                    let (events, more) = locking ? (try link.missing(after: start), false) : try Self.fromCluster(after: start, offered: offered, link)
                    for event in events {
                        try append(event, head: &head, &state)
                        outcome.caughtUp += 1
                    }
                    outcome.more = more
                }
                if let durable { outcome = Outcome(results: durable.results, caughtUp: durable.caughtUp) }
                outcome.results.reserveCapacity(batch.count)
                for (index, item) in batch.enumerated() where durable == nil {
                    do {
                        let result = try apply(item.command, by: item.session, now: now, head: &head, &state)
                        if case .success(.appended(let event, _)) = result { appended.append(event) }
                        outcome.results.append(result)
                    } catch LMDBError.mapFull {
                        throw LMDBError.mapFull  // the whole transaction's: the environment grows the map and runs it again
                    } catch {
                        throw CommandFailure(index: index, error: error)
                    }
                }
                try state.flush()
                if head != start { try txn.put(store.databases.meta, MetaKey.appliedSeq, StoreKeys.seq(head)) }
                if let link, locking, durable == nil {
                    try link.commit(appended)
                    durable = outcome
                }
            } catch LMDBError.mapFull {
                throw LMDBError.mapFull  // run again, still holding the cluster's lock
            } catch {
                if let link, locking { link.release() }
                throw error
            }
            outcome.head = head
            return (outcome, try state.mergedThrough())
        }
        recentClientIds.committed(head: outcome.head, mergedThrough: merged)
        cache.committed(head: outcome.head)
        return outcome
    }

    /// The events after `start`: from `offered` when they reach back to it, else read from the cluster.
    private static func fromCluster(after start: UInt64, offered: [Event], _ link: any ClusterLink) throws -> (events: [Event], more: Bool) {
        guard let first = offered.first?.seq, let last = offered.last?.seq, first <= start + 1 else { return try link.fetch(after: start) }
        return (last <= start ? [] : Array(offered[Int(start + 1 - first)...]), false)
    }

    /// Appends `event`, which must be the log's next, and applies it to the projections.
    private func append(_ event: Event, head: inout UInt64, _ state: inout TransactionProjections) throws {
        precondition(event.seq == head + 1, "event \(event.seq) appended after \(head)")
        try StoreKeys.withSeq(event.seq) { key in
            try EventCodec.encode(event).withUnsafeBytes { try state.txn.put(store.databases.events, key, $0, append: true) }
        }
        try Reducer.apply(event, to: &state)
        head = event.seq
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
            try append(event, head: &head, &state)
            return .success(.appended(event, room: try event.room.flatMap { try state.room(named: $0) }))
        case .unchanged(let room):
            return .success(.unchanged(room: room))
        case .repeated(let receipt):
            return .success(.repeated(receipt))
        }
    }
}
