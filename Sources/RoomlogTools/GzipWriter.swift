import CZlib
import Glibc

/// Writes a gzip file through zlib, created with mode 0600 (an export holds password hashes).
final class GzipWriter {
    private let file: gzFile
    let path: String

    /// Creates `path` (which must not exist) for writing at compression level `level`; throws `ToolError`.
    init(path: String, level: Int = 1) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ToolError("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard let file = gzdopen(descriptor, "wb\(level)") else {
            close(descriptor)
            throw ToolError("cannot start gzip output to \(path)")
        }
        _ = gzbuffer(file, 1 << 17)
        self.file = file
        self.path = path
    }

    /// Writes `bytes`; throws `ToolError` when zlib or the disk fails.
    func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        guard written == bytes.count else { throw ToolError("writing \(path) failed: \(errorMessage)") }
    }

    /// Flushes and closes the file; throws `ToolError`.
    func finish() throws {
        let result = gzclose(file)
        guard result == Z_OK else { throw ToolError("closing \(path) failed (zlib \(result))") }
    }

    private var errorMessage: String {
        var code: Int32 = 0
        return String(cString: gzerror(file, &code))
    }
}
