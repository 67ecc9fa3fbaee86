import Foundation

/// A bounded hand-over of chunks from one producer thread to one consumer: the producer blocks while
/// `chunksMax` chunks wait, the consumer while none do. `nil` from `take()` means the producer finished.
package final class ChunkPipe<Chunk>: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    private var finished = false
    private var cancelled = false
    package let chunksMax: Int

    package init(chunksMax: Int) {
        precondition(chunksMax >= 1, "a pipe holds at least one chunk")
        self.chunksMax = chunksMax
    }

    /// Hands `chunk` over; returns false if the consumer has cancelled.
    package func put(_ chunk: Chunk) -> Bool {
        condition.withLock {
            while chunks.count >= chunksMax, !cancelled { condition.wait() }
            guard !cancelled else { return false }
            chunks.append(chunk)
            condition.broadcast()
            return true
        }
    }

    /// Marks the end of the chunks.
    package func finish() {
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }

    /// The next chunk, or nil once the producer has finished and every chunk was taken.
    package func take() -> Chunk? {
        condition.withLock {
            while chunks.isEmpty, !finished { condition.wait() }
            guard !chunks.isEmpty else { return nil }
            condition.broadcast()
            return chunks.removeFirst()
        }
    }

    /// Tells the producer to stop.
    package func cancel() {
        condition.withLock {
            cancelled = true
            condition.broadcast()
        }
    }
}
