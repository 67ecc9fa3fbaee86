import Foundation
public import RoomlogCore

/// The process's single log writer: one thread that takes every command waiting when it opens a write transaction
/// (group commit), decides and appends each one against the projections inside that transaction, and commits once.
/// A second thread, the completion stage, makes each commit durable (`Environment.sync`), raises the durable mark
/// (readers show nothing past it), wakes the tailers of every process, and only then completes each caller with
/// its own outcome; meanwhile the writer already runs the next batch.
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
        /// When the commit became durable (`monotonicNanoseconds`), set before the observer sees it.
        public var durableAt: UInt64 = 0
    }

    /// Where one committed batch spent its time on the durable path, in nanoseconds of the monotonic clock (for
    /// metrics): each command's wait in the queue, the write transaction, the flush to disk (shared by the batches it
    /// covered), and the completion of the callers after it.
    public struct BatchStages: Sendable {
        public var queued: [UInt64]
        public var transaction: UInt64
        public var flush: UInt64
        public var completion: UInt64
    }

    /// The monotonic clock of `BatchStages`, in nanoseconds.
    public static func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// What the caller of a command is told once it is durable (or refused).
    public typealias Completion = @Sendable (Result<CommandOutcome, any Error>) -> Void

    struct Pending {
        let command: Command
        let session: TokenDigest?
        let completion: Completion
        var submitted: UInt64 = LogWriter.monotonicNanoseconds()
    }

    struct Committed {
        let batch: [Pending]
        let results: [Result<CommandOutcome, any Error>]
        let report: CommitReport
        /// When the batch's transaction started and ended.
        var started: UInt64 = 0
        var ended: UInt64 = 0
    }

    let store: Store
    let clock: Clock
    /// Guards what the writer takes in: the queue, catch-up requests, `knownHead`, `stopping`. Only the writer
    /// thread waits on it, so a submit wakes nobody else.
    private let inbox = NSCondition()
    /// Guards what the writer hands on: `committed`, the threads' ends, the statistics and observers. The completion
    /// thread waits on it for commits, the writer for room in the pipeline, `stop` for both threads' ends.
    private let outbox = NSCondition()
    /// The append transaction, run only on the writer thread.
    private let appendTransaction: AppendTransaction
    private var queue: [Pending] = []
    /// How far a follower asked the mirror to catch up with the cluster (`catchUp(through:)`; `.max`: to its head),
    /// or nil.
    private var catchUpThrough: UInt64?
    /// Consecutive events of the cluster that notifications carried, not yet applied (at most `offeredEventsMax`).
    private var offered: [Event] = []
    /// The events a catch-up applies without reading them from the cluster (the writer thread's).
    private var catchUpOffered: [Event] = []
    static let offeredEventsMax = 4096
    /// The head of the log after this writer's last transaction (another process may have appended since).
    private var knownHead: UInt64 = 0
    private var stopping = false
    private var committed: [Committed] = []
    private var writerDone = false
    private var completionDone = false
    private var statisticsValue = Statistics()
    private var onCommit: (@Sendable (CommitReport) -> Void)?
    private var onStages: (@Sendable (BatchStages) -> Void)?

    /// A writer for `store`, started at once. `clock` stamps events. With `cluster`, the store is a mirror of the
    /// cluster's log: each batch is ordered and made durable there first (see `ClusterLink`).
    public init(store: Store, cluster: (any ClusterLink)? = nil, clock: @escaping Clock = LogWriter.systemClock) {
        self.store = store
        self.clock = clock
        appendTransaction = AppendTransaction(store: store, link: cluster)
        Thread.start(name: "roomlog-writer") { [self] in runWriter() }
        Thread.start(name: "roomlog-commit") { [self] in runCompletion() }
    }

    /// The system's wall clock.
    public static let systemClock: Clock = {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// What the writer has done so far.
    public var statistics: Statistics { outbox.withLock { statisticsValue } }

    /// Calls `observer` on the completion thread after every durable commit that appended events, before tailers
    /// and callers are woken (for metrics).
    public func observeCommits(_ observer: @escaping @Sendable (CommitReport) -> Void) {
        outbox.withLock { onCommit = observer }
    }

    /// Calls `observer` on the completion thread after every batch of commands has been completed, with the time it
    /// spent in each stage (for metrics and benchmarks).
    public func observeStages(_ observer: @escaping @Sendable (BatchStages) -> Void) {
        outbox.withLock { onStages = observer }
    }

    /// Appends what `command` decides, once it is durable. With `session`, the command is refused as
    /// `unauthorized` unless that session is open when the command's transaction runs (see `Decider.decide`).
    /// Throws the command's `RoomlogError`, `StoreError.writerQueueFull` or `.writerStopped`, or the storage error
    /// that failed it.
    public func append(_ command: Command, session: TokenDigest? = nil) async throws -> CommandOutcome {
        try await withCheckedThrowingContinuation { continuation in
            submit(command, session: session) { continuation.resume(with: $0) }
        }
    }

    /// Queues `command` and calls `completion` on the writer's completion thread once it is durable, or at once
    /// with `StoreError.writerQueueFull` or `.writerStopped`: for event-loop code that must not start a task per
    /// command. `completion` must be quick (hop to the caller's own thread to do more).
    public func submit(_ command: Command, session: TokenDigest? = nil, completion: @escaping Completion) {
        let refusal: StoreError? = inbox.withLock {
            if stopping { return .writerStopped }
            if queue.count >= store.configuration.writerQueueCommandsMax { return .writerQueueFull }
            queue.append(Pending(command: command, session: session, completion: completion))
            inbox.signal()
            return nil
        }
        if let refusal { completion(.failure(refusal)) }
    }

    /// Asks the writer to bring the mirror up to the cluster's head (a follower woken by the cluster), or up to `seq`
    /// (the cluster's head as a notification told it): nothing to do if this writer's last transaction reached it.
    /// `offering`: the cluster's events up to `seq` that the notification carried, applied without reading them.
    /// Without a cluster it does nothing. Returns at once; the events then reach tailers as commits do.
    public func catchUp(through seq: UInt64? = nil, offering events: [Event] = []) {
        guard appendTransaction.link != nil else { return }
        inbox.withLock {
            let target = seq ?? .max
            if target <= knownHead { return }
            catchUpThrough = max(catchUpThrough ?? 0, target)
            if let first = events.first, first.seq == (offered.last?.seq ?? 0) + 1, offered.count + events.count <= Self.offeredEventsMax {
                offered += events
            } else if events.count <= Self.offeredEventsMax {
                offered = events
            }
            inbox.signal()
        }
    }

    /// `stop()` on a thread of its own, so an async caller waits without blocking a thread of the cooperative pool.
    public func stopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.start(name: "roomlog-stop") { [self] in
                stop()
                continuation.resume()
            }
        }
    }

    /// Stops taking commands, commits and completes every command already queued, and waits for both threads.
    public func stop() {
        inbox.withLock {
            stopping = true
            inbox.signal()
        }
        outbox.withLock {
            while !(writerDone && completionDone) { outbox.wait() }
        }
    }

    private func runWriter() {
        while let batch = nextBatch() {
            let started = Self.monotonicNanoseconds()
            let outcome: AppendTransaction.Outcome
            if batch.isEmpty {
                outcome = (try? appendTransaction.catchUp(now: clock(), offered: catchUpOffered)) ?? AppendTransaction.Outcome(results: [])
                catchUpOffered = []
            } else {
                outcome = appendTransaction.run(batch.map { ($0.command, $0.session) }, now: clock())
            }
            inbox.withLock {
                knownHead = max(knownHead, outcome.head)
                if outcome.more { catchUpThrough = .max }  // a page of the cluster's log: the rest in the next transaction
            }
            var report = CommitReport(commands: batch.count, events: outcome.caughtUp, head: 0)
            for case .success(.appended) in outcome.results { report.events += 1 }
            if report.events > 0 { report.head = outcome.head }
            outbox.withLock {
                committed.append(Committed(batch: batch, results: outcome.results, report: report, started: started, ended: Self.monotonicNanoseconds()))
                outbox.broadcast()
            }
            // Nothing more to append: the other hosts' writers may have the cluster's lock (after handing the batch
            // over, so its sync and answers do not wait for the unlock).
            if !batch.isEmpty, inbox.withLock({ queue.isEmpty }) { appendTransaction.link?.release() }
        }
        outbox.withLock {
            writerDone = true
            outbox.broadcast()
        }
    }

    /// The next commands to run (at most `writerBatchCommandsMax`), or none when only a catch-up was asked for;
    /// nil once stopped with nothing queued.
    private func nextBatch() -> [Pending]? {
        // Room in the pipeline first: only the completion stage frees it, and only this thread fills it.
        outbox.withLock {
            while committed.count >= Self.unsyncedBatchesMax { outbox.wait() }
        }
        return inbox.withLock {
            while true {
                while queue.isEmpty && catchUpThrough == nil, !stopping {
                    inbox.wait()
                }
                guard queue.isEmpty else { break }
                guard let through = catchUpThrough, !stopping else { return nil }
                catchUpThrough = nil
                defer { offered = [] }
                if through > knownHead {  // else the writer's own commits reached it meanwhile
                    if let last = offered.last?.seq, last >= through { catchUpOffered = offered }
                    return []
                }
            }
            catchUpThrough = nil  // a batch catches up under the cluster's lock anyway
            offered = []
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
            let (ready, observer, stagesObserver) = outbox.withLock { () -> ([Committed], (@Sendable (CommitReport) -> Void)?, (@Sendable (BatchStages) -> Void)?) in
                while committed.isEmpty, !writerDone { outbox.wait() }
                defer { committed = [] }
                return (committed, onCommit, onStages)
            }
            if ready.isEmpty { break }
            let flushStarted = Self.monotonicNanoseconds()
            let syncError: (any Error)?
            do {
                try store.environment.sync()
                syncError = nil
            } catch {
                syncError = error
            }
            let durableAt = Self.monotonicNanoseconds()
            complete(ready, observer: observer, syncError: syncError, durableAt: durableAt)
            if let stagesObserver {
                let completed = Self.monotonicNanoseconds()
                for item in ready where !item.batch.isEmpty {
                    stagesObserver(BatchStages(queued: item.batch.map { item.started &- $0.submitted }, transaction: item.ended &- item.started,
                                               flush: durableAt &- flushStarted, completion: completed &- durableAt))
                }
            }
        }
        outbox.withLock {
            completionDone = true
            outbox.broadcast()
        }
    }

    private func complete(_ ready: [Committed], observer: (@Sendable (CommitReport) -> Void)?, syncError: (any Error)?, durableAt: UInt64) {
        outbox.withLock {
            statisticsValue.syncs += 1
            for item in ready {
                statisticsValue.commits += 1
                statisticsValue.events += UInt64(item.report.events)
                statisticsValue.commands += UInt64(item.batch.count)
                statisticsValue.largestBatchCommands = max(statisticsValue.largestBatchCommands, item.batch.count)
            }
            outbox.broadcast()
        }
        if syncError == nil {
            store.durableMark.raise(to: ready.map(\.report.head).max() ?? 0)
            for item in ready where item.report.events > 0 {
                var report = item.report
                report.durableAt = durableAt
                observer?(report)
            }
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
}
