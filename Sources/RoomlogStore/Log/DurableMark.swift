import Atomics
import Glibc

/// The last `seq` known to be on disk, shared by every process of a data directory through a memory-mapped side
/// file (`durable`, mode 0600). Writers raise it after each flush; readers show no event past it, so no event
/// reaches a subscriber, a history page or a tool before its commit is durable (a power loss could otherwise
/// make its `seq` be used again for another event). It only ever rises.
final class DurableMark: @unchecked Sendable {
    private static let bytes = 4096
    private let descriptor: Int32
    private let mapping: UnsafeMutableRawPointer
    private let value: UnsafeAtomic<UInt64>

    /// Maps the file at `path`, creating it; throws `StoreError.system`.
    init(path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.system(operation: "open \(path)", errno: errno) }
        let size = lseek(descriptor, 0, SEEK_END)
        guard size >= 0, size >= Self.bytes || ftruncate(descriptor, off_t(Self.bytes)) == 0 else {
            let error = errno
            close(descriptor)
            throw StoreError.system(operation: "size \(path)", errno: error)
        }
        guard let mapping = mmap(nil, Self.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapping != MAP_FAILED else {
            let error = errno
            close(descriptor)
            throw StoreError.system(operation: "mmap \(path)", errno: error)
        }
        self.mapping = mapping
        value = UnsafeAtomic(at: mapping.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
    }

    deinit {
        munmap(mapping, Self.bytes)
        close(descriptor)
    }

    /// The last durable `seq`.
    var seq: UInt64 { value.load(ordering: .acquiring) }

    /// Raises the mark to `seq` unless it is there already.
    func raise(to seq: UInt64) {
        var current = value.load(ordering: .relaxed)
        while current < seq {
            let (exchanged, original) = value.compareExchange(expected: current, desired: seq, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }
}
