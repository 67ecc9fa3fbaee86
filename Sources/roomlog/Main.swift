import ArgumentParser
import Foundation
import Logging
import RoomlogCluster
import RoomlogStore
import RoomlogTools

/// The `roomlog` command: parses, runs the subcommand, and maps outcomes to the contract's exit codes:
/// 0 success, 1 the operation failed (message on stderr), 2 bad usage (including no command at all).
@main
enum Main {
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try Roomlog.parseAsRoot()
        } catch {
            if Roomlog.exitCode(for: error) == .success {
                print(Roomlog.fullMessage(for: error))
                exit(0)
            }
            FileHandle.standardError.write(Data((Roomlog.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
        if command is Roomlog {
            FileHandle.standardError.write(Data((Roomlog.helpMessage() + "\n").utf8))
            exit(2)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            switch Roomlog.exitCode(for: error) {
            case .success:
                print(Roomlog.fullMessage(for: error))
                exit(0)
            case .validationFailure:
                FileHandle.standardError.write(Data((Roomlog.fullMessage(for: error) + "\n").utf8))
                exit(2)
            default:
                FileHandle.standardError.write(Data("roomlog: \(error)\n".utf8))
                exit(1)
            }
        }
        exit(0)
    }
}

/// The root command; it only groups the subcommands.
struct Roomlog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roomlog",
        abstract: "Roomlog: an event-sourced chat-room backend on one ordered, durable log.",
        subcommands: [Serve.self, Replay.self, Tail.self, Rebuild.self, Verify.self, Export.self, Import.self, Stats.self]
    )
}

/// The `--cluster` option of the tools that look at a cluster's log (`verify`, `rebuild`, `stats`).
struct ClusterOption: ParsableArguments {
    @Option(help: "The cluster whose log --data mirrors (postgres://USER@HOST/DATABASE; or ROOMLOG_CLUSTER).")
    var cluster: String?

    /// The cluster's address, from the option or ROOMLOG_CLUSTER; nil when neither is given. Throws `ClusterError`.
    func address() throws -> ClusterAddress? {
        try (cluster ?? ProcessInfo.processInfo.environment["ROOMLOG_CLUSTER"]).map(ClusterAddress.init)
    }

    static let logger = Logger(label: "roomlog")
}

/// The `--data` option every command shares.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (the log and its projections).")
    var data = "data/db"

    /// The store configuration for `--data`.
    var configuration: StoreConfiguration { StoreConfiguration(directory: data) }

    /// Opens the log in `--data`, which must exist: tools never create an empty log by accident.
    func openExisting() throws -> Store {
        guard FileManager.default.fileExists(atPath: data + "/data.mdb") else { throw ToolError("no Roomlog log in \(data) (give --data DIR)") }
        return try Store(configuration: configuration)
    }
}
