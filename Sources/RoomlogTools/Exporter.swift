import Foundation
import RoomlogCore
public import RoomlogStore

/// What an export or import did.
public struct TransferReport: Sendable, Equatable {
    /// Events written or read.
    public var events: UInt64
    /// The log's epoch.
    public var epoch: String
    /// How long it took, in seconds.
    public var seconds: Double
}

/// `roomlog export`: the log as gzip-compressed JSON lines, streamed from one snapshot in constant memory.
///
/// Line 1 is a header (`{"roomlog":"export","format":1,"epoch":...,"head":...}`), then one backup record per
/// event (the public record plus `passwordHash`, `tokenDigest` and `expiresAt`: never a token or a password), then
/// a trailer (`{"roomlog":"end","events":N}`) so that a file cut at a line boundary is still known to be cut.
/// The file is written as `FILE.partial` with mode 0600, flushed to disk, and linked to `FILE` once complete (a
/// link, unlike a rename, never replaces a file that appeared meanwhile), and the directory is flushed too.
public enum Exporter {
    /// The format written in the header.
    public static let format: UInt64 = 1

    /// Exports `store` to `path`, which must not exist; throws `ToolError`, or a storage error.
    public static func export(_ store: Store, to path: String) throws -> TransferReport {
        let started = Date()
        guard !FileManager.default.fileExists(atPath: path) else { throw ToolError("\(path) exists; choose another name or remove it") }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let writer = try GzipWriter(path: partial)
        var count: UInt64 = 0
        do {
            var header = JSONWriter()
            header.string("roomlog", "export")
            header.number("format", format)
            header.string("epoch", store.epoch)
            header.number("head", try store.head())
            header.timestamp("exportedAt", LogWriter.systemClock())
            try writer.write(header.finish() + [0x0A])
            var chunk: [UInt8] = []
            chunk.reserveCapacity(1 << 16)
            try store.readEvents(from: 1) { event in
                chunk.append(contentsOf: event.backupRecord)
                chunk.append(0x0A)
                count += 1
                if chunk.count >= 1 << 16 {
                    try writer.write(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
                return true
            }
            var trailer = JSONWriter()
            trailer.string("roomlog", "end")
            trailer.number("events", count)
            try writer.write(chunk + trailer.finish() + [0x0A])
            try writer.finish()
        } catch {
            try? writer.finish()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        defer { unlink(partial) }
        guard link(partial, path) == 0 else { throw ToolError("cannot move \(partial) to \(path): \(String(cString: strerror(errno)))") }
        try GzipWriter.syncDirectory(of: path)
        return TransferReport(events: count, epoch: store.epoch, seconds: Date().timeIntervalSince(started))
    }
}
