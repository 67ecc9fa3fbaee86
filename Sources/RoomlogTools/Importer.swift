import Foundation
import RoomlogCore
import RoomlogStore

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
            let count = try load(reader, into: staging, epoch: epoch, configuration: configuration)
            if FileManager.default.fileExists(atPath: directory) { try FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.moveItem(atPath: staging, toPath: directory)
            return TransferReport(events: count, epoch: epoch, seconds: Date().timeIntervalSince(started))
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    static func load(_ reader: GzipReader, into staging: String, epoch: String, configuration: StoreConfiguration) throws -> UInt64 {
        var stagingConfiguration = configuration
        stagingConfiguration.directory = staging
        let store = try Store(configuration: stagingConfiguration, epoch: epoch)
        var batch: [Event] = []
        var count: UInt64 = 0
        while let line = try reader.readLine() {
            let fields = try parse(line, line: reader.lineNumber)
            if fields["roomlog"] == .string("end") {
                guard fields["events"] == .integer(count) else { throw ToolError("line \(reader.lineNumber): the trailer counts \(fields["events"].map { "\($0)" } ?? "nothing"), the file holds \(count) events") }
                guard try reader.readLine() == nil else { throw ToolError("line \(reader.lineNumber): data after the trailer") }
                try store.appendImported(batch)
                try check(store)
                return count
            }
            let event: Event
            do {
                event = try Event(backupRecord: fields)
            } catch {
                throw ToolError("line \(reader.lineNumber): \(error)")
            }
            guard event.seq == count + 1 else { throw ToolError("line \(reader.lineNumber): expected seq \(count + 1), found \(event.seq)") }
            batch.append(event)
            count += 1
            if batch.count >= batchEventsMax {
                try store.appendImported(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        throw ToolError("the file ends after line \(reader.lineNumber) without its trailer (truncated?)")
    }

    /// Rebuilds the projections, which also checks that every event can follow the ones before it.
    static func check(_ store: Store) throws {
        do {
            _ = try store.rebuild()
        } catch let error as LogInconsistency {
            throw ToolError("the file's log is inconsistent at \(error)")
        }
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
