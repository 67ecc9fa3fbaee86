import CZlib
import Foundation
import Glibc

/// Writes a gzip file through zlib, created with mode 0600 (an export holds password hashes).
final class GzipWriter {
    private let file: gzFile
    /// The file's descriptor, kept past zlib's own (a duplicate) to flush the file to disk.
    private let descriptor: Int32
    private var finished = false
    let path: String

    /// Creates `path` (which must not exist) for writing at compression level `level`; throws `ToolError`.
    init(path: String, level: Int = 1) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ToolError("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard let file = gzdopen(dup(descriptor), "wb\(level)") else {
            close(descriptor)
            throw ToolError("cannot start gzip output to \(path)")
        }
        _ = gzbuffer(file, 1 << 17)
        self.file = file
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// Flushes the directory holding `path`, so that a new name in it survives a power loss; throws `ToolError`.
    static func syncDirectory(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ToolError("cannot open the directory of \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ToolError("cannot flush the directory of \(path): \(String(cString: strerror(errno)))") }
    }

    /// Writes `bytes`; throws `ToolError` when zlib or the disk fails.
    func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        guard written == bytes.count else { throw ToolError("writing \(path) failed: \(errorMessage)") }
    }

    /// Flushes and closes the file, and flushes it to disk (once; later calls do nothing); throws `ToolError`.
    func finish() throws {
        guard !finished else { return }
        finished = true
        let result = gzclose(file)
        guard result == Z_OK else { throw ToolError("closing \(path) failed (zlib \(result))") }
        guard fsync(descriptor) == 0 else { throw ToolError("flushing \(path) failed: \(String(cString: strerror(errno)))") }
    }

    private var errorMessage: String {
        var code: Int32 = 0
        return String(cString: gzerror(file, &code))
    }
}
