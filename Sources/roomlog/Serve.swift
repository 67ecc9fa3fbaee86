import ArgumentParser
import Foundation
import Logging
import RoomlogAuth
import RoomlogCore
import RoomlogGateway
import RoomlogStore

/// `roomlog serve`: a gateway on the log in `--data`; several may share one directory.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a gateway (HTTP API) on the log; several may run on one directory at once.",
        discussion: "Every flag can also be set with an environment variable: ROOMLOG_DATA, ROOMLOG_PORT, ROOMLOG_HOST, ROOMLOG_SENDS_PER_SECOND, ROOMLOG_SEND_BURST, ROOMLOG_LOGIN_ATTEMPTS_PER_MINUTE, ROOMLOG_BCRYPT_COST.")

    @Option(help: "The data directory.") var data = ProcessInfo.processInfo.environment["ROOMLOG_DATA"] ?? "data/db"
    @Option(help: "The port (0 picks a free one).") var port = Int(ProcessInfo.processInfo.environment["ROOMLOG_PORT"] ?? "") ?? 8080
    @Option(help: "The address to listen on.") var host = ProcessInfo.processInfo.environment["ROOMLOG_HOST"] ?? "127.0.0.1"
    @Option(name: .customLong("allowed-origin"), help: "An origin allowed to open a WebSocket (repeatable).") var allowedOrigins: [String] = []
    @Option(name: .customLong("trusted-proxy"), help: "A proxy address whose X-Forwarded-For names the client (repeatable).") var trustedProxies: [String] = []
    @Flag(help: "Mark the session cookie Secure (behind a TLS proxy).") var secureCookies = false
    @Option(help: "Messages a session may send per second.") var sendsPerSecond = Double(ProcessInfo.processInfo.environment["ROOMLOG_SENDS_PER_SECOND"] ?? "") ?? 20
    @Option(help: "Messages a session may send in a burst.") var sendBurst = Double(ProcessInfo.processInfo.environment["ROOMLOG_SEND_BURST"] ?? "") ?? 40
    @Option(help: "Login attempts allowed per user name, and per client address, per minute.") var loginAttemptsPerMinute = Int(ProcessInfo.processInfo.environment["ROOMLOG_LOGIN_ATTEMPTS_PER_MINUTE"] ?? "") ?? 10
    @Flag(help: "Commit without fsync (LMDB's MDB_NOSYNC): faster, and a crash of the process loses nothing, but a power loss or kernel crash may lose acknowledged messages or damage the log. Off by default.")
    var noSync = false
    @Option(help: "The bcrypt cost for new passwords.") var bcryptCost = UInt8(ProcessInfo.processInfo.environment["ROOMLOG_BCRYPT_COST"] ?? "") ?? 12

    func run() async throws {
        var gateway = GatewayConfiguration()
        gateway.host = host
        gateway.port = port
        gateway.allowedOrigins = allowedOrigins
        gateway.trustedProxies = trustedProxies
        gateway.secureCookies = secureCookies
        gateway.sendsPerSecond = sendsPerSecond
        gateway.sendBurstMessages = sendBurst
        gateway.loginAttemptsMax = loginAttemptsPerMinute
        var auth = AuthConfiguration()
        auth.bcryptCost = bcryptCost
        var logger = Logger(label: "roomlog")
        logger.logLevel = .info
        var storage = StoreConfiguration(directory: data)
        storage.environment.durable = !noSync
        let store = try Store(configuration: storage)
        let writer = LogWriter(store: store)
        let services = try GatewayServices(store: store, writer: writer, configuration: gateway, auth: auth)
        let app = Gateway.application(services, logger: logger) { channel in
            let address = channel.localAddress.map { "\($0)" } ?? "?"
            FileHandle.standardOutput.write(Data("roomlog: serving \(data) (epoch \(store.epoch)) on \(address)\n".utf8))
        }
        try await app.runService()
    }
}
