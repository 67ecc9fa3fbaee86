import Foundation
import RoomlogCore

/// The process's single log writer: one thread that takes every command waiting when it opens a write transaction
/// (group commit), decides and appends each one against the projections inside that transaction, and commits once.
/// A second thread, the completion stage, makes each commit durable (`Environment.sync`), wakes the tailers of
/// every process, and only then completes each caller with its own outcome; meanwhile the writer already runs the
/// next batch.
public final class LogWriter: @unchecked Sendable {
    /// The wall clock that stamps `at`, for display only. Tests pass their own.
    public typealias Clock = @Sendable () -> Timestamp

    /// How many committed batches may wait for the completion stage before the writer waits.
    public static let unsyncedBatchesMax = 8

    /// What the writer has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Write transactions committed.
        public var commits: UInt64 = 0
        /// Events appended.
        public var events: UInt64 = 0
        /// Commands completed (appended, unchanged, repeated or refused).
        public var commands: UInt64 = 0
        /// Flushes to disk (one may cover several commits).
        public var syncs: UInt64 = 0
        /// The most commands one commit took.
        public var largestBatchCommands = 0
    }

    /// One committed batch, as observers see it once it is durable and before anyone is woken.
    public struct CommitReport: Sendable {
        /// Commands in the batch.
        public var commands: Int
        /// Events the batch appended.
        public var events: Int
        /// The log's head after the commit.
        public var head: UInt64
    }

    /// What the caller of a command is told once it is durable (or refused).
    public typealias Completion = @Sendable (Result<CommandOutcome, any Error>) -> Void

    struct Pending {
        let command: Command
        let completion: Completion
    }

    struct Committed {
        let batch: [Pending]
        let results: [Result<CommandOutcome, any Error>]
        let report: CommitReport
    }

    let store: Store
    let decider: Decider
    let clock: Clock
    private let condition = NSCondition()
    /// The recent client ids and the cache of other projections, used only on the writer thread.
    private let recentClientIds = RecentClientIds()
    private let cache: WriterCache
    private var queue: [Pending] = []
    private var committed: [Committed] = []
    private var stopping = false
    private var writerDone = false
    private var completionDone = false
    private var statisticsValue = Statistics()
    private var onCommit: (@Sendable (CommitReport) -> Void)?

    /// A writer for `store`, started at once. `clock` stamps events.
    public init(store: Store, clock: @escaping Clock = LogWriter.systemClock) {
        self.store = store
        self.clock = clock
        decider = Decider(validation: Validation(limits: store.configuration.limits))
        cache = WriterCache(entriesMax: store.configuration.writerCacheEntriesMax)
        let writer = Thread { [self] in runWriter() }
        writer.name = "roomlog-writer"
        writer.start()
        let completion = Thread { [self] in runCompletion() }
        completion.name = "roomlog-commit"
        completion.start()
    }

    /// The system's wall clock.
    public static let systemClock: Clock = {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// What the writer has done so far.
    public var statistics: Statistics { condition.withLock { statisticsValue } }

    /// Calls `observer` on the completion thread after every durable commit that appended events, before tailers
    /// and callers are woken (for metrics).
    public func observeCommits(_ observer: @escaping @Sendable (CommitReport) -> Void) {
        condition.withLock { onCommit = observer }
    }

    /// Appends what `command` decides, once it is durable. Throws the command's `RoomlogError`,
    /// `StoreError.writerQueueFull` or `.writerStopped`, or the storage error that failed its transaction.
    public func append(_ command: Command) async throws -> CommandOutcome {
        try await withCheckedThrowingContinuation { continuation in
            submit(command) { continuation.resume(with: $0) }
        }
    }

    /// Queues `command` and calls `completion` on the writer's completion thread once it is durable, or at once
    /// with `StoreError.writerQueueFull` or `.writerStopped`: for event-loop code that must not start a task per
    /// command. `completion` must be quick (hop to the caller's own thread to do more).
    public func submit(_ command: Command, completion: @escaping Completion) {
        let refusal: StoreError? = condition.withLock {
            if stopping { return .writerStopped }
            if queue.count >= store.configuration.writerQueueCommandsMax { return .writerQueueFull }
            queue.append(Pending(command: command, completion: completion))
            condition.broadcast()
            return nil
        }
        if let refusal { completion(.failure(refusal)) }
    }

    /// Stops taking commands, commits and completes every command already queued, and waits for both threads.
    public func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
            while !(writerDone && completionDone) { condition.wait() }
        }
    }

    private func runWriter() {
        while let batch = nextBatch() {
            let results = commit(batch)
            var report = CommitReport(commands: batch.count, events: 0, head: 0)
            for case .success(.appended(let event, _)) in results {
                report.events += 1
                report.head = event.seq
            }
            condition.withLock {
                committed.append(Committed(batch: batch, results: results, report: report))
                condition.broadcast()
            }
        }
        condition.withLock {
            writerDone = true
            condition.broadcast()
        }
    }

    private func nextBatch() -> [Pending]? {
        condition.withLock {
            while queue.isEmpty || committed.count >= Self.unsyncedBatchesMax, !(stopping && queue.isEmpty) { condition.wait() }
            if queue.isEmpty { return nil }
            let count = min(queue.count, store.configuration.writerBatchCommandsMax)
            if count == queue.count {
                defer { queue = [] }
                return queue
            }
            defer { queue.removeFirst(count) }
            return Array(queue.prefix(count))
        }
    }

    /// Flushes what the writer committed, then reports, wakes tailers, and completes callers.
    private func runCompletion() {
        while true {
            let (ready, observer) = condition.withLock { () -> ([Committed], (@Sendable (CommitReport) -> Void)?) in
                while committed.isEmpty, !writerDone { condition.wait() }
                defer { committed = [] }
                return (committed, onCommit)
            }
            if ready.isEmpty { break }
            let syncError: (any Error)?
            do {
                try store.environment.sync()
                syncError = nil
            } catch {
                syncError = error
            }
            complete(ready, observer: observer, syncError: syncError)
        }
        condition.withLock {
            completionDone = true
            condition.broadcast()
        }
    }

    private func complete(_ ready: [Committed], observer: (@Sendable (CommitReport) -> Void)?, syncError: (any Error)?) {
        condition.withLock {
            statisticsValue.syncs += 1
            for item in ready {
                statisticsValue.commits += 1
                statisticsValue.events += UInt64(item.report.events)
                statisticsValue.commands += UInt64(item.batch.count)
                statisticsValue.largestBatchCommands = max(statisticsValue.largestBatchCommands, item.batch.count)
            }
            condition.broadcast()
        }
        if syncError == nil {
            for item in ready where item.report.events > 0 { observer?(item.report) }
        }
        if ready.contains(where: { $0.report.events > 0 }) { store.wakeFile.touch() }
        for item in ready {
            for (pending, result) in zip(item.batch, item.results) {
                if let syncError, case .success = result {
                    pending.completion(.failure(syncError))
                } else {
                    pending.completion(result)
                }
            }
        }
    }

    /// One write transaction for the whole batch; a storage failure fails every command of it.
    private func commit(_ batch: [Pending]) -> [Result<CommandOutcome, any Error>] {
        do {
            let (results, head, merged) = try store.environment.write(deferringSync: true) { txn in
                let start = try store.head(txn)
                let applied = try store.appliedSeq(txn)
                precondition(applied == start, "projections applied up to \(applied) but the log ends at \(start)")
                try recentClientIds.begin(txn, store.databases, head: start)
                cache.begin(head: start)
                var state = TransactionProjections(txn, store.databases, recent: recentClientIds, cache: cache, configuration: store.configuration)
                var head = start
                let now = clock()
                let results = try batch.map { pending in try apply(pending.command, now: now, head: &head, &state) }
                try state.flush()
                if head != start { try txn.put(store.databases.meta, MetaKey.appliedSeq, StoreKeys.seq(head)) }
                return (results, head, try state.mergedThrough())
            }
            recentClientIds.committed(head: head, mergedThrough: merged)
            cache.committed(head: head)
            return results
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// Decides and applies one command; a domain error is its result, a storage error fails the transaction.
    private func apply(_ command: Command, now: Timestamp, head: inout UInt64, _ state: inout TransactionProjections) throws -> Result<CommandOutcome, any Error> {
        let decision: Decider.Decision
        do {
            decision = try decider.decide(command, now: now, state: state)
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
