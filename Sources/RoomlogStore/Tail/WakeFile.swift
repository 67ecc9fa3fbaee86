import Glibc

/// The side file that writers touch after every commit, so that tailers in every process wake up through inotify.
/// (inotify on `data.mdb` itself misses wake-ups: LMDB writes it through several paths.)
final class WakeFile: Sendable {
    let path: String
    private let descriptor: Int32

    /// Opens (creating) the file at `path`; throws `StoreError.system`.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.system(operation: "open \(path)", errno: errno) }
    }

    deinit {
        close(descriptor)
    }

    /// Writes one byte in place: an `IN_MODIFY` event for every watcher, and no growth.
    func touch() {
        var byte: UInt8 = 1
        _ = pwrite(descriptor, &byte, 1, 0)
    }
}
