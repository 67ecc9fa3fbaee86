import Foundation
import RoomlogCore

extension Store {
    /// Events a replay's reading thread decodes per chunk, and chunks that may wait for the applying thread.
    static let replayChunkEventsMax = 4096
    static let replayChunksMax = 4

    /// The events of the log up to `txn`'s head applied, with checks, to empty projections on this thread, and the
    /// client ids of its messages, not yet checked for an id used twice (`ClientIdList.sortedIndices()` finds one).
    /// Throws `LogInconsistency` or `EventDecodingError` for the first bad `seq` (an id used twice before it
    /// counts), or `LMDBError`.
    func replayLog(_ txn: Transaction) throws -> (Projections, ClientIdList) {
        var projections = Projections()
        var clientIds = ClientIdList()
        clientIds.reserveCapacity(try expectedClientIds(txn))
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

    /// The same as `replayLog(_:)`, faster: a second thread reads and decodes the events from its own snapshot
    /// (which holds the same events up to that head: events never change) and collects their client ids while this
    /// one applies them. Only for a write `txn`: no process can commit meanwhile, so that snapshot never finds the
    /// map resized by another process, which would need the exclusive resize lock that this thread's transaction
    /// holds shared.
    func replayLogPipelined(_ txn: Transaction) throws -> (Projections, ClientIdList) {
        var projections = Projections()
        let clientIds = try replayLog(through: try head(txn), idsExpected: try expectedClientIds(txn), into: &projections)
        return (projections, clientIds)
    }

    /// How many client ids a replay should make room for.
    private func expectedClientIds(_ txn: Transaction) throws -> Int {
        let stored = try txn.count(databases.clientIds) + txn.count(databases.clientIdsRecent)
        return stored > 0 ? stored : Int(try head(txn))
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
}
