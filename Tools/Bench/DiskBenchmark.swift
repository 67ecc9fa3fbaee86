import ArgumentParser
import Foundation
import Glibc
import RoomlogStore

/// The disk's own floor under a durable commit, with no Roomlog code and no LMDB in the path: timed writes and
/// flushes of a file at a fixed rate, in two shapes taking turns round by round, so that both meet the same noise.
/// - `one-write`: one 4 KiB write at the next block and `fdatasync`, the least that any server that keeps what it
///   acknowledges must wait for.
/// - `lmdb-commit`: what one small LMDB commit does under `MDB_NOMETASYNC` (seen in `strace` under the many-rooms
///   load): scattered 4 KiB page writes and `fdatasync`, then a 128-byte write of a meta page and `fdatasync`. The
///   meta page may not reach the disk before the pages it points at, hence two flushes.
struct DiskBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disk",
        abstract: "The disk's own latency for a durable write and for the shape of an LMDB commit, without Roomlog.")

    @Option(help: "A directory on the file system to measure (a data directory's, for the figure that matters); a temporary one if not given.")
    var directory: String?
    @Option(help: "Rounds; each times one shape, the two taking turns.") var rounds = 2000
    @Option(help: "Rounds per second, at most: a round that overruns its turn delays the next (the many-rooms load commits about 1,000 times a second).")
    var rate = 1000.0
    @Option(help: "Scattered pages in the LMDB-shaped commit.") var pages = 8

    static let block = 4096
    static let fileBlocks = 4096

    func validate() throws {
        guard rounds > 0, rate > 0, (1...64).contains(pages) else { throw ValidationError("rounds and rate must be positive, pages 1...64") }
    }

    func run() throws {
        let parent = try directory ?? temporaryDirectory("disk")
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: parent) } }
        let path = parent + "/roomlog-disk-\(getpid()).tmp"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.system(operation: "open \(path)", errno: errno) }
        defer {
            close(fd)
            unlink(path)
        }
        var page = [UInt8](repeating: 0x5a, count: Self.block)
        // Every block written and flushed first: the rounds overwrite blocks the file already has, as LMDB reuses
        // freed pages, so no round pays for the file's size or its extents.
        for index in 0..<Self.fileBlocks { try write(fd, page, count: Self.block, at: index) }
        guard fsync(fd) == 0 else { throw StoreError.system(operation: "fsync", errno: errno) }

        var one = Latencies(), commit = Latencies()
        let interval = UInt64(1e9 / rate)
        var next = Output.monotonicNanoseconds()
        for round in 0..<rounds {
            page[0] = UInt8(truncatingIfNeeded: round)
            let started = Output.monotonicNanoseconds()
            if round % 2 == 0 {
                try write(fd, page, count: Self.block, at: 16 + (round / 2) % (Self.fileBlocks - 16))
                try flush(fd)
                one.record(nanoseconds: Output.monotonicNanoseconds() - started)
            } else {
                for index in 0..<pages { try write(fd, page, count: Self.block, at: 16 + (round * 613 + index * 257) % (Self.fileBlocks - 16)) }
                try flush(fd)
                try write(fd, page, count: 128, at: (round / 2) % 2)
                try flush(fd)
                commit.record(nanoseconds: Output.monotonicNanoseconds() - started)
            }
            next += interval
            let now = Output.monotonicNanoseconds()
            if next > now { usleep(useconds_t((next - now) / 1000)) } else { next = now }
        }
        print("disk alone at up to \(rate) rounds/s in \(parent), \(rounds) rounds, the two shapes taking turns:")
        print("one-write   (4 KiB + fdatasync):                         \(one.summary)")
        print("lmdb-commit (\(pages) x 4 KiB + fdatasync, meta + fdatasync): \(commit.summary)")
    }

    private func write(_ fd: Int32, _ page: [UInt8], count: Int, at block: Int) throws {
        let written = page.withUnsafeBytes { pwrite(fd, $0.baseAddress, count, off_t(block * Self.block)) }
        guard written == count else { throw StoreError.system(operation: "pwrite", errno: written < 0 ? errno : EIO) }  // a short write sets no errno
    }

    private func flush(_ fd: Int32) throws {
        guard fdatasync(fd) == 0 else { throw StoreError.system(operation: "fdatasync", errno: errno) }
    }
}
