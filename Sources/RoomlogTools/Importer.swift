import Foundation
import RoomlogCore
public import RoomlogStore

/// `roomlog import`: an export file back into an empty data directory, with the same epoch, events, users,
/// password hashes and sessions. The log is built in a sibling directory and renamed into place only once every
/// line has been read, the projections rebuilt and the log checked, so a bad file leaves nothing behind.
public enum Importer {
    /// Events appended per write transaction.
    public static let batchEventsMax = 50_000

    /// Imports `path` into `directory`, which must not exist or be empty; throws `ToolError` (naming the line of a
    /// bad record), or a storage error.
    public static func importLog(from path: String, into directory: String, configuration: StoreConfiguration) throws -> TransferReport {
        let started = Date()
        try requireEmpty(directory)
        let reader = try GzipReader(path: path)
        guard let headerLine = try reader.readLine() else { throw ToolError("\(path) is empty") }
        let header = try parse(headerLine, line: 1)
        guard header["roomlog"] == .string("export"), header["format"] == .integer(Exporter.format),
              case .string(let epoch)? = header["epoch"], !epoch.isEmpty
        else { throw ToolError("line 1: not a Roomlog export header of format \(Exporter.format)") }

        let staging = directory.hasSuffix("/") ? String(directory.dropLast()) + ".importing" : directory + ".importing"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            let expected: UInt64
            if case .integer(let head)? = header["head"] { expected = head } else { expected = 0 }
            let count = try load(reader, into: staging, epoch: epoch, expectedEvents: expected, configuration: configuration)
            if FileManager.default.fileExists(atPath: directory) { try FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.moveItem(atPath: staging, toPath: directory)
            return TransferReport(events: count, epoch: epoch, seconds: Date().timeIntervalSince(started))
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// One parsed line: an event, the trailer's count, or the error that stops the import.
    enum Line {
        case event(Event, line: Int)
        case trailer(events: UInt64, line: Int)
        case failure(any Error)
    }

    /// Lines parsed per chunk, and chunks parsed ahead of the writer.
    static let chunkLinesMax = 4096
    static let chunksAheadMax = 4

    static func load(_ reader: GzipReader, into staging: String, epoch: String, expectedEvents: UInt64, configuration: StoreConfiguration) throws -> UInt64 {
        var stagingConfiguration = configuration
        stagingConfiguration.directory = staging
        let store = try Store(configuration: stagingConfiguration, epoch: epoch)
        let pipe = ChunkPipe<[Line]>(chunksMax: chunksAheadMax)
        Thread.start(name: "roomlog-parse") { parseLines(reader, into: pipe) }
        defer {
            pipe.cancel()
            while pipe.take() != nil {}
        }
        var batch: [Event] = []
        var count: UInt64 = 0
        var projections = Projections()
        var clientIds = ClientIdList()
        clientIds.reserveCapacity(Int(min(expectedEvents, 50_000_000)))
        while let chunk = pipe.take() {
            for line in chunk {
                switch line {
                case .failure(let error):
                    throw error
                case .trailer(let events, let number):
                    guard events == count else { throw ToolError("line \(number): the trailer counts \(events), the file holds \(count) events") }
                    try store.appendImported(batch)
                    do {
                        try store.replaceProjections(with: projections, clientIds: clientIds)
                    } catch let error as LogInconsistency {
                        throw inconsistency(error)
                    }
                    return count
                case .event(let event, let number):
                    guard event.seq == count + 1 else { throw ToolError("line \(number): expected seq \(count + 1), found \(event.seq)") }
                    do {
                        try projections.applyCheckedExceptClientIds(event)
                    } catch {
                        throw inconsistency(clientIds.repeatedId(before: event.seq) ?? error)
                    }
                    clientIds.appendId(of: event)
                    batch.append(event)
                    count += 1
                    if batch.count >= batchEventsMax {
                        try store.appendImported(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        throw ToolError("the file ends after line \(reader.lineNumber) without its trailer (truncated?)")
    }

    /// The error for an inconsistency of the file's log, naming its line (the header is line 1, `seq` N is line N + 1:
    /// the lines are checked to be dense).
    static func inconsistency(_ error: LogInconsistency) -> ToolError {
        ToolError("line \(error.seq + 1): the log is inconsistent at \(error)")
    }

    /// Reads and parses lines on the calling thread, handing chunks to `pipe`, until the trailer, an error, the
    /// end of the file, or cancellation.
    static func parseLines(_ reader: GzipReader, into pipe: ChunkPipe<[Line]>) {
        defer { pipe.finish() }
        var chunk: [Line] = []
        chunk.reserveCapacity(chunkLinesMax)
        do {
            while let text = try reader.readLine() {
                let fields = try parse(text, line: reader.lineNumber)
                if fields["roomlog"] == .string("end") {
                    guard case .integer(let events)? = fields["events"] else { throw ToolError("line \(reader.lineNumber): a trailer without its count") }
                    let number = reader.lineNumber
                    guard try reader.readLine() == nil else { throw ToolError("line \(reader.lineNumber): data after the trailer") }
                    chunk.append(.trailer(events: events, line: number))
                    break
                }
                do {
                    chunk.append(.event(try Event(backupRecord: fields), line: reader.lineNumber))
                } catch {
                    throw ToolError("line \(reader.lineNumber): \(error)")
                }
                if chunk.count >= chunkLinesMax {
                    guard pipe.put(chunk) else { return }
                    chunk = []
                    chunk.reserveCapacity(chunkLinesMax)
                }
            }
        } catch {
            chunk.append(.failure(error))
        }
        _ = pipe.put(chunk)
    }

    static func parse(_ line: [UInt8], line number: Int) throws -> FlatJSON.Object {
        do {
            return try FlatJSON.parse(line)
        } catch {
            throw ToolError("line \(number): not a JSON record: \(error)")
        }
    }

    static func requireEmpty(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw ToolError("\(directory) is not a directory") }
        let contents = try FileManager.default.contentsOfDirectory(atPath: directory)
        guard contents.isEmpty else { throw ToolError("\(directory) is not empty; import only into an empty data directory") }
    }
}
