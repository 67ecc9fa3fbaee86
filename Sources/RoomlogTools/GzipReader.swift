import CZlib
import Glibc

/// Reads a gzip (or plain) file line by line through zlib, in constant memory. One thread at a time uses it
/// (the importer hands it to its parser thread).
final class GzipReader: @unchecked Sendable {
    private let file: gzFile
    private var buffer = [CChar](repeating: 0, count: 1 << 16)
    let path: String
    /// The number of the line last read, from 1.
    private(set) var lineNumber = 0

    /// Opens `path`; throws `ToolError`.
    init(path: String) throws {
        guard let file = gzopen(path, "rb") else { throw ToolError("cannot open \(path): \(String(cString: strerror(errno)))") }
        _ = gzbuffer(file, 1 << 17)
        self.file = file
        self.path = path
    }

    deinit {
        gzclose(file)
    }

    /// The next line without its newline, or nil at a clean end; throws `ToolError` for a damaged or truncated
    /// file, or a last line without its newline.
    func readLine() throws -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            guard gzgets(file, &buffer, Int32(buffer.count)) != nil else {
                try checkError()
                if line.isEmpty { return nil }
                throw ToolError("line \(lineNumber + 1): the file ends inside a line (truncated?)")
            }
            let count = strlen(buffer)
            buffer.withUnsafeBytes { line.append(contentsOf: $0[0..<count]) }
            if line.last == 0x0A {
                line.removeLast()
                lineNumber += 1
                return line
            }
        }
    }

    private func checkError() throws {
        var code: Int32 = 0
        let message = String(cString: gzerror(file, &code))
        if code != Z_OK { throw ToolError("after line \(lineNumber): the file is damaged or truncated (\(message))") }
    }
}
