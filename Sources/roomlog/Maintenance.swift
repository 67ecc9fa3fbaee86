import ArgumentParser
import Foundation
import RoomlogCore
import RoomlogStore
import RoomlogTools

/// `roomlog rebuild`: every projection dropped and rebuilt from the log in one write transaction.
struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Drop every projection and rebuild it from the log (safe while gateways run: they wait).")

    @OptionGroup var options: DataOptions

    func run() throws {
        let store = try options.openExisting()
        let report = try store.rebuild()
        print("rebuilt from \(report.events) events in \(String(format: "%.3f", report.seconds)) s: \(report.users) users, \(report.sessions) live sessions, \(report.rooms) rooms, \(report.memberships) memberships, \(report.clientIds) client message ids")
    }
}

/// `roomlog verify`: the log and its projections checked from one snapshot.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the log (no gaps, every record decodes, dense room sequences) and that the projections equal a rebuild.")

    @OptionGroup var options: DataOptions

    func run() throws {
        let store = try options.openExisting()
        let started = Date()
        let report = try store.verify()
        let seconds = String(format: "%.3f", Date().timeIntervalSince(started))
        guard report.isSound else {
            FileHandle.standardError.write(Data(("verify failed after \(report.events) good events:\n" + report.problems.map { "  \($0)\n" }.joined()).utf8))
            throw ExitCode.failure
        }
        print("ok: \(report.events) events, dense and decodable; every projection equals a rebuild (\(seconds) s)")
    }
}

/// `roomlog stats`: counts, sizes, head, epoch and readers.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print counts, sizes, head, epoch and the readers attached to the log.")

    @OptionGroup var options: DataOptions

    func run() throws {
        for line in try StatsReport.lines(for: try options.openExisting()) { print(line) }
    }
}

/// `roomlog export FILE`: a gzip JSON-lines backup, mode 0600.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write the log as gzip-compressed JSON lines (a backup: mode 0600, with password hashes and token digests).")

    @Argument(help: "The file to write (must not exist).") var file: String
    @OptionGroup var options: DataOptions

    func run() throws {
        let report = try Exporter.export(try options.openExisting(), to: file)
        print("exported \(report.events) events of epoch \(report.epoch) to \(file) in \(String(format: "%.3f", report.seconds)) s")
    }
}

/// `roomlog import FILE`: an export back into an empty data directory.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load an export into an empty data directory: the same epoch, events, users, passwords and sessions.")

    @Argument(help: "The export file.") var file: String
    @OptionGroup var options: DataOptions

    func run() throws {
        let report = try Importer.importLog(from: file, into: options.data, configuration: options.configuration)
        print("imported \(report.events) events of epoch \(report.epoch) into \(options.data) in \(String(format: "%.3f", report.seconds)) s")
    }
}
