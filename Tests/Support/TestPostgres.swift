import Foundation
import Glibc

/// The throwaway PostgreSQL that `Tools/test.sh` starts for the cluster tests (`Tools/postgres.sh`): fresh databases
/// on it, and stopping and starting it for the tests of an unreachable cluster.
public enum TestPostgres {
    public struct Missing: Error, CustomStringConvertible {
        public let description = "no test PostgreSQL: run the tests through Tools/test.sh, which starts one (ROOMLOG_TEST_POSTGRES)"
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// `postgres://postgres@127.0.0.1:PORT`; throws `Missing` when the tests run without it.
    public static func server() throws -> String {
        guard let server = environment["ROOMLOG_TEST_POSTGRES"] else { throw Missing() }
        return server
    }

    /// A new empty database; returns its address (`postgres://postgres@127.0.0.1:PORT/NAME`).
    public static func newDatabase() throws -> String {
        let name = "roomlog_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
        try psql("postgres", "CREATE DATABASE \(name)")
        return try server() + "/" + name
    }

    /// Runs `sql` on `database` of the shared server with psql; throws with psql's error when it fails.
    public static func psql(_ database: String, _ sql: String) throws {
        try psql(address: try server() + "/" + database, sql)
    }

    /// Runs `sql` on the database at `address` with psql.
    public static func psql(address: String, _ sql: String) throws {
        let (status, output) = try run(binary("psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", address, "-c", sql])
        guard status == 0 else { throw ChildProcess.Failure(description: "psql failed: \(output)") }
    }

    /// The rows `sql` returns on the database at `address`, as psql prints them unaligned (`|` between fields).
    public static func query(address: String, _ sql: String) throws -> String {
        let (status, output) = try run(binary("psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", address, "-c", sql])
        guard status == 0 else { throw ChildProcess.Failure(description: "psql failed: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A PostgreSQL of its own, for a test that stops and starts it (the shared one serves tests running at once).
    public final class Server: @unchecked Sendable {
        let directory: String
        /// Its address, with the database `postgres`.
        public var address: String { address(database: "postgres") }
        let port: Int

        /// Its address with `database`.
        public func address(database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

        /// Creates and starts a server in a new temporary directory, on a free port of 127.0.0.1.
        public init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-pg-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if getuid() == 0 { _ = try run("/usr/bin/chown", ["postgres", directory]) }
            let (status, output) = try asPostgres(binary("initdb"), ["-D", directory + "/data", "-A", "trust", "-U", "postgres"])
            guard status == 0 else { throw ChildProcess.Failure(description: "initdb failed: \(output)") }
            port = Int.random(in: 40000...60000)
            let settings = "port = \(port)\nunix_socket_directories = '\(directory)'\nlisten_addresses = '127.0.0.1'\n"
            let configuration = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/data/postgresql.conf"))
            configuration.seekToEndOfFile()
            configuration.write(Data(settings.utf8))
            try configuration.close()
            try start()
        }

        /// Runs `sql` on its database `postgres`.
        public func psql(_ sql: String) throws {
            try TestPostgres.psql(address: address, sql)
        }

        /// Starts it (again).
        public func start() throws {
            try pgCtl(["start", "-w", "-l", directory + "/server.log"])
        }

        /// Stops it (fast shutdown: connections are cut).
        public func stop() throws {
            try pgCtl(["stop", "-m", "fast", "-w"])
        }

        /// Stops it and removes its files.
        public func close() {
            try? stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func pgCtl(_ arguments: [String]) throws {
            let (status, output) = try asPostgres(binary("pg_ctl"), ["-D", directory + "/data"] + arguments)
            guard status == 0 else { throw ChildProcess.Failure(description: "pg_ctl \(arguments[0]) failed: \(output)") }
        }
    }

    static func binary(_ name: String) throws -> String {
        guard let bin = environment["ROOMLOG_TEST_POSTGRES_BIN"] else { throw Missing() }
        return bin + "/" + name
    }

    /// Runs `path` as the `postgres` user when this process is root (PostgreSQL refuses root).
    static func asPostgres(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
        getuid() == 0 ? try run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments) : try run(path, arguments)
    }

    /// Runs `path` to its end through the shell; its status and output. Not `Process`: after `pg_ctl start`,
    /// Foundation's `waitUntilExit` never returned here, as if the server it leaves running held what Process
    /// watches for the exit.
    static func run(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let command = ([path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let status = system(command + " > '\(file)' 2>&1 < /dev/null")
        let output = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return (status == -1 ? -1 : (status >> 8) & 0xff, output)
    }
}
