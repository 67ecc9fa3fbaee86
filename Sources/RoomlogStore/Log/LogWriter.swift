import Foundation
import RoomlogCore

/// The process's single log writer: one thread that takes every command waiting when it opens a write transaction
/// (group commit), decides and appends each one against the projections inside that transaction, commits once
/// (durably, unless the store opted out), and only then completes each caller with its own outcome.
public final class LogWriter: @unchecked Sendable {
    /// The wall clock that stamps `at`, for display only. Tests pass their own.
    public typealias Clock = @Sendable () -> Timestamp

    /// What the writer has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Write transactions committed.
        public var commits: UInt64 = 0
        /// Events appended.
        public var events: UInt64 = 0
        /// Commands completed (appended, unchanged, repeated or refused).
        public var commands: UInt64 = 0
        /// The most commands one commit took.
        public var largestBatchCommands = 0
    }

    struct Pending {
        let command: Command
        let continuation: CheckedContinuation<CommandOutcome, any Error>
    }

    let store: Store
    let decider: Decider
    let clock: Clock
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopping = false
    private var stopped = false
    private var statisticsValue = Statistics()
    private var onCommit: (@Sendable (CommitReport) -> Void)?

    /// One committed batch, as observers see it right after the commit and before anyone is woken.
    public struct CommitReport: Sendable {
        /// Commands in the batch.
        public var commands: Int
        /// Events the batch appended.
        public var events: Int
        /// The log's head after the commit.
        public var head: UInt64
    }

    /// A writer for `store`, started at once. `clock` stamps events.
    public init(store: Store, clock: @escaping Clock = LogWriter.systemClock) {
        self.store = store
        self.clock = clock
        decider = Decider(validation: Validation(limits: store.configuration.limits))
        let thread = Thread { [self] in run() }
        thread.name = "roomlog-writer"
        thread.start()
    }

    /// The system's wall clock.
    public static let systemClock: Clock = {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// What the writer has done so far.
    public var statistics: Statistics { condition.withLock { statisticsValue } }

    /// Calls `observer` on the writer thread after every commit, before tailers and callers are woken (for metrics).
    public func observeCommits(_ observer: @escaping @Sendable (CommitReport) -> Void) {
        condition.withLock { onCommit = observer }
    }

    /// Appends what `command` decides, once it is durable. Throws the command's `RoomlogError`,
    /// `StoreError.writerQueueFull` or `.writerStopped`, or the storage error that failed its transaction.
    public func append(_ command: Command) async throws -> CommandOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let refusal: StoreError? = condition.withLock {
                if stopping { return .writerStopped }
                if queue.count >= store.configuration.writerQueueCommandsMax { return .writerQueueFull }
                queue.append(Pending(command: command, continuation: continuation))
                condition.signal()
                return nil
            }
            if let refusal { continuation.resume(throwing: refusal) }
        }
    }

    /// Stops taking commands, commits every command already queued, and waits for the thread to end.
    public func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
            while !stopped { condition.wait() }
        }
    }

    private func run() {
        while let batch = nextBatch() {
            let results = commit(batch)
            var appended = 0
            var head: UInt64 = 0
            for case .success(.appended(let event, _)) in results {
                appended += 1
                head = event.seq
            }
            let observer = condition.withLock {
                statisticsValue.commits += 1
                statisticsValue.events += UInt64(appended)
                statisticsValue.commands += UInt64(batch.count)
                statisticsValue.largestBatchCommands = max(statisticsValue.largestBatchCommands, batch.count)
                return onCommit
            }
            if appended > 0 {
                observer?(CommitReport(commands: batch.count, events: appended, head: head))
                store.wakeFile.touch()
            }
            for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
        }
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func nextBatch() -> [Pending]? {
        condition.withLock {
            while queue.isEmpty, !stopping { condition.wait() }
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

    /// One write transaction for the whole batch; a storage failure fails every command of it.
    private func commit(_ batch: [Pending]) -> [Result<CommandOutcome, any Error>] {
        do {
            return try store.environment.write { txn in
                var state = TransactionProjections(txn, store.databases)
                let start = try store.head(txn)
                let applied = try store.appliedSeq(txn)
                precondition(applied == start, "projections applied up to \(applied) but the log ends at \(start)")
                var head = start
                let now = clock()
                let results = try batch.map { pending in try apply(pending.command, now: now, head: &head, &state) }
                try state.flush()
                if head != start { try txn.put(store.databases.meta, MetaKey.appliedSeq, StoreKeys.seq(head)) }
                return results
            }
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
            try state.txn.put(store.databases.events, StoreKeys.seq(event.seq), EventCodec.encode(event), append: true)
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
