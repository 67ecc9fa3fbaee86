import ArgumentParser
import Foundation
import Logging
import RoomlogCluster
import RoomlogCore
import RoomlogStore
import RoomlogTools

/// `roomlog rebuild`: every projection dropped and rebuilt from the log in one write transaction; with `--cluster`,
/// the host's mirror made anew from the cluster.
struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Drop every projection and rebuild it from the log (safe while gateways run: they wait); with --cluster, make this host's mirror anew from the cluster (stop its gateways first).")

    @OptionGroup var options: DataOptions
    @OptionGroup var cluster: ClusterOption

    func run() throws {
        if let address = try cluster.address() {
            let events = try ClusterMaintenance.rebuildMirror(address, configuration: options.configuration, logger: ClusterOption.logger)
            return print("rebuilt the mirror in \(options.data) from \(address): \(events) events")
        }
        let store = try options.openExisting()
        let report = try store.rebuild()
        print("rebuilt from \(report.events) events in \(String(format: "%.3f", report.seconds)) s: \(report.users) users, \(report.sessions) live sessions, \(report.rooms) rooms, \(report.memberships) memberships, \(report.clientIds) client message ids")
    }
}

/// `roomlog verify`: the log and its projections checked from one snapshot.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the log (no gaps, every record decodes, dense room sequences) and that the projections equal a rebuild.")

    @OptionGroup var options: DataOptions
    @OptionGroup var cluster: ClusterOption

    func run() throws {
        let store = try options.openExisting()
        let started = Date()
        let report = try store.verify()
        var problems = report.problems
        if let address = try cluster.address() { problems += try ClusterMaintenance.differences(store, address, logger: ClusterOption.logger) }
        let seconds = String(format: "%.3f", Date().timeIntervalSince(started))
        guard problems.isEmpty else {
            FileHandle.standardError.write(Data(("verify failed after \(report.events) good events:\n" + problems.map { "  \($0)\n" }.joined()).utf8))
            throw ExitCode.failure
        }
        let equal = cluster.cluster == nil ? "" : "; the mirror equals the cluster's log"
        print("ok: \(report.events) events, dense and decodable; every projection equals a rebuild\(equal) (\(seconds) s)")
    }
}

/// `roomlog stats`: counts, sizes, head, epoch and readers.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print counts, sizes, head, epoch and the readers attached to the log.")

    @OptionGroup var options: DataOptions
    @OptionGroup var cluster: ClusterOption

    func run() throws {
        let store = try options.openExisting()
        for line in try StatsReport.lines(for: store) { print(line) }
        if let address = try cluster.address() {
            let facts = try ClusterMaintenance.facts(address, logger: ClusterOption.logger)
            print("cluster: \(address)")
            print("cluster epoch: \(facts.epoch)")
            print("cluster head: \(facts.head) in \(facts.batches) batches")
            print("mirror behind the cluster by: \(facts.head > (try store.head()) ? facts.head - (try store.head()) : 0) events")
        }
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
