import Foundation
public import PostgresNIO
import NIOSSL

/// Where a cluster's PostgreSQL is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or with
/// `?host=/path/to/socket/directory` for a unix socket, and `sslmode=disable|prefer|require` (default `disable`).
public struct ClusterAddress: Sendable, CustomStringConvertible {
    /// How to connect.
    public let configuration: PostgresConnection.Configuration
    /// The address without its password, for messages.
    public let description: String

    /// Parses `text`; throws `ClusterError.badAddress` saying what is wrong.
    public init(_ text: String) throws {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql" else {
            throw ClusterError.badAddress("\(text) is not a postgres://USER@HOST/DATABASE address")
        }
        guard let user = url.user, !user.isEmpty else { throw ClusterError.badAddress("\(text) names no user (postgres://USER@HOST/DATABASE)") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw ClusterError.badAddress("\(text) names no database (postgres://USER@HOST/DATABASE)") }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        var configuration: PostgresConnection.Configuration
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = url.port ?? 5432
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: url.password, database: database)
        } else {
            guard let host = url.host, !host.isEmpty else { throw ClusterError.badAddress("\(text) names no host (postgres://USER@HOST/DATABASE)") }
            configuration = .init(host: host, port: url.port ?? 5432, username: user, password: url.password, database: database,
                                  tls: try Self.tls(query["sslmode"] ?? "disable", text))
        }
        configuration.options.connectTimeout = .seconds(2)
        self.configuration = configuration
        var shown = url
        shown.password = nil
        description = shown.string ?? text
    }

    /// `configuration`, naming this process and its connection's `role` in `application_name` (as
    /// `pg_stat_activity` shows it: which host's writer holds the append lock, for one), and asking PostgreSQL to
    /// drop the connection of a host that has gone silent within seconds rather than hours (TCP keepalives and
    /// user timeout; ignored over a unix socket): a writer cut off while it holds the append lock then frees it
    /// for the other hosts within about 8 s.
    func configuration(role: String) -> PostgresConnection.Configuration {
        var configuration = configuration
        var host = [CChar](repeating: 0, count: 256)
        let name = gethostname(&host, host.count - 1) == 0 ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        configuration.options.additionalStartupParameters += [
            ("application_name", "roomlog \(role) pid \(getpid()) on \(name)"),
            ("tcp_keepalives_idle", "5"), ("tcp_keepalives_interval", "1"), ("tcp_keepalives_count", "3"), ("tcp_user_timeout", "5000"),
        ]
        return configuration
    }

    static func tls(_ mode: String, _ text: String) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case "disable": return .disable
        case "prefer": return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "require": return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: throw ClusterError.badAddress("\(text): sslmode must be disable, prefer or require")
        }
    }
}
