import ArgumentParser
import Foundation
import Logging
import RoomlogAuth
import RoomlogCluster
import RoomlogCore
import RoomlogGateway
import RoomlogStore
import Synchronization
import NIOCore

/// Environment variables that were set to a value their option cannot read (`Serve.validate()` refuses them).
let unreadableEnvironment = Mutex<[String]>([])

/// The environment variable `name` read as a `T`; nil when it is unset, or unreadable (then recorded).
func environment<T: LosslessStringConvertible>(_ name: String) -> T? {
    guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
    guard let value = T(text) else {
        unreadableEnvironment.withLock { $0.append(name) }
        return nil
    }
    return value
}

/// `roomlog serve`: a gateway on the log in `--data`; several may share one directory.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a gateway (HTTP API) on the log; several may run on one directory at once.",
        discussion: "Every option that takes one value can also be set with an environment variable: ROOMLOG_ and the option's name in upper case with underscores (ROOMLOG_DATA, ROOMLOG_PORT, ROOMLOG_BODY_SCALARS_MAX, ...). Flags given on the command line win.")

    @Option(help: "The data directory.") var data = environment("ROOMLOG_DATA") ?? "data/db"
    @Option(help: "The port (0 picks a free one).") var port = environment("ROOMLOG_PORT") ?? 8080
    @Option(help: "The address to listen on.") var host = environment("ROOMLOG_HOST") ?? "127.0.0.1"
    @Option(name: .customLong("allowed-origin"), help: "An origin allowed to open a WebSocket (repeatable).") var allowedOrigins: [String] = []
    @Option(name: .customLong("trusted-proxy"), help: "A proxy address whose X-Forwarded-For names the client (repeatable).") var trustedProxies: [String] = []
    @Flag(help: "Mark the session cookie Secure (behind a TLS proxy).") var secureCookies = false
    @Option(help: "Messages a session may send per second.") var sendsPerSecond = environment("ROOMLOG_SENDS_PER_SECOND") ?? GatewayConfiguration().sendsPerSecond
    @Option(help: "Messages a session may send in a burst.") var sendBurst = environment("ROOMLOG_SEND_BURST") ?? GatewayConfiguration().sendBurstMessages
    @Option(help: "Login attempts allowed per user name, and per client address, per minute (sliding).")
    var loginAttemptsPerMinute = environment("ROOMLOG_LOGIN_ATTEMPTS_PER_MINUTE") ?? GatewayConfiguration().loginAttemptsMax
    @Option(help: "Registrations allowed per client address per minute (sliding).")
    var registrationsPerMinute = environment("ROOMLOG_REGISTRATIONS_PER_MINUTE") ?? GatewayConfiguration().registrationsPerWindow
    @Option(help: "Password hashes that may wait for a thread (one runs per core); past it register and login answer 503.")
    var hashQueueMax = environment("ROOMLOG_HASH_QUEUE_MAX") ?? AuthConfiguration().hashQueueMax
    @Option(help: "Joins and leaves a session may make per second (WebSocket and HTTP together).")
    var membershipsPerSecond = environment("ROOMLOG_MEMBERSHIPS_PER_SECOND") ?? GatewayConfiguration().membershipsPerSecond
    @Option(help: "Joins and leaves a session may make in a burst.")
    var membershipBurst = environment("ROOMLOG_MEMBERSHIP_BURST") ?? GatewayConfiguration().membershipBurstChanges
    @Option(help: "Rooms a session may create per minute (sliding).")
    var roomsCreatedPerMinute = environment("ROOMLOG_ROOMS_CREATED_PER_MINUTE") ?? GatewayConfiguration().roomsCreatedPerWindow
    @Option(help: "Rooms a user may be a member of.") var roomsPerUserMax = environment("ROOMLOG_ROOMS_PER_USER_MAX") ?? Limits().roomsPerUserMax
    @Option(help: "WebSockets one session may have open on this gateway.")
    var socketsPerSessionMax = environment("ROOMLOG_SOCKETS_PER_SESSION_MAX") ?? GatewayConfiguration().socketsPerSessionMax
    @Option(help: "Open connections of this gateway (its file limit is raised to fit); past it new ones are closed at once.")
    var connectionsMax = environment("ROOMLOG_CONNECTIONS_MAX") ?? GatewayConfiguration().connectionsMax
    @Option(help: "Seconds a new connection may take to send its request head.")
    var requestHeadTimeoutSeconds = environment("ROOMLOG_REQUEST_HEAD_TIMEOUT_SECONDS") ?? Int(GatewayConfiguration().requestHeadTimeoutMilliseconds / 1000)
    @Option(help: "Seconds an HTTP connection may stay idle between requests.")
    var idleTimeoutSeconds = environment("ROOMLOG_IDLE_TIMEOUT_SECONDS") ?? Int(GatewayConfiguration().idleTimeoutMilliseconds / 1000)
    @Option(help: "Seconds between pings of each WebSocket; one silent for two intervals is closed.")
    var pingIntervalSeconds = environment("ROOMLOG_PING_INTERVAL_SECONDS") ?? Int(GatewayConfiguration().pingIntervalMilliseconds / 1000)
    @Option(help: "Seconds SIGTERM or SIGINT may take to end the process, whatever clients do.")
    var shutdownGraceSeconds = environment("ROOMLOG_SHUTDOWN_GRACE_SECONDS") ?? Int(GatewayConfiguration().shutdownGraceMilliseconds / 1000)
    @Option(help: "The longest user or room name, in characters.") var nameCharactersMax = environment("ROOMLOG_NAME_CHARACTERS_MAX") ?? Limits().nameCharactersMax
    @Option(help: "The shortest password, in bytes.") var passwordBytesMin = environment("ROOMLOG_PASSWORD_BYTES_MIN") ?? Limits().passwordBytesMin
    @Option(help: "The longest password, in bytes.") var passwordBytesMax = environment("ROOMLOG_PASSWORD_BYTES_MAX") ?? Limits().passwordBytesMax
    @Option(help: "The longest message body, in Unicode scalar values.") var bodyScalarsMax = environment("ROOMLOG_BODY_SCALARS_MAX") ?? Limits().bodyScalarsMax
    @Option(help: "The longest client message id, in characters.") var clientIdCharactersMax = environment("ROOMLOG_CLIENT_ID_CHARACTERS_MAX") ?? Limits().clientIdCharactersMax
    @Option(help: "The longest room topic, in Unicode scalar values.") var topicScalarsMax = environment("ROOMLOG_TOPIC_SCALARS_MAX") ?? Limits().topicScalarsMax
    @Option(help: "How long a session lives after login, in seconds.") var sessionLifetimeSeconds = environment("ROOMLOG_SESSION_LIFETIME_SECONDS") ?? Int64(Limits().sessionLifetimeMilliseconds / 1000)
    @Option(help: "The largest WebSocket message from a client, in bytes after reassembly and inflation.") var frameBytesMax = environment("ROOMLOG_FRAME_BYTES_MAX") ?? GatewayConfiguration().frameBytesMax
    @Option(help: "The history page size when none is asked for, in events.") var historyPageDefault = environment("ROOMLOG_HISTORY_PAGE_DEFAULT") ?? GatewayConfiguration().historyPageEventsDefault
    @Option(help: "The largest history page, in events.") var historyPageMax = environment("ROOMLOG_HISTORY_PAGE_MAX") ?? GatewayConfiguration().historyPageEventsMax
    @Option(help: "Run as one host of a cluster whose log PostgreSQL orders and keeps (postgres://USER@HOST/DATABASE); --data is then this host's mirror of it.")
    var cluster: String?
    @Flag(help: "Commit without fsync (LMDB's MDB_NOSYNC): faster, and a crash of the process loses nothing, but a power loss or kernel crash may lose acknowledged messages or damage the log. Off by default.")
    var noSync = false
    @Option(help: "The bcrypt cost for new passwords.") var bcryptCost = environment("ROOMLOG_BCRYPT_COST") ?? AuthConfiguration().bcryptCost

    /// The gateway's settings from the options.
    var gatewayConfiguration: GatewayConfiguration {
        var gateway = GatewayConfiguration()
        gateway.host = host
        gateway.port = port
        gateway.allowedOrigins = allowedOrigins
        gateway.trustedProxies = trustedProxies
        gateway.secureCookies = secureCookies
        gateway.sendsPerSecond = sendsPerSecond
        gateway.sendBurstMessages = sendBurst
        gateway.loginAttemptsMax = loginAttemptsPerMinute
        gateway.registrationsPerWindow = registrationsPerMinute
        gateway.membershipsPerSecond = membershipsPerSecond
        gateway.membershipBurstChanges = membershipBurst
        gateway.roomsCreatedPerWindow = roomsCreatedPerMinute
        gateway.socketsPerSessionMax = socketsPerSessionMax
        gateway.connectionsMax = connectionsMax
        gateway.requestHeadTimeoutMilliseconds = Int64(requestHeadTimeoutSeconds) * 1000
        gateway.idleTimeoutMilliseconds = Int64(idleTimeoutSeconds) * 1000
        gateway.pingIntervalMilliseconds = Int64(pingIntervalSeconds) * 1000
        gateway.shutdownGraceMilliseconds = Int64(shutdownGraceSeconds) * 1000
        gateway.frameBytesMax = frameBytesMax
        gateway.historyPageEventsDefault = historyPageDefault
        gateway.historyPageEventsMax = historyPageMax
        return gateway
    }

    /// The protocol's limits from the options.
    var limits: Limits {
        var limits = Limits()
        limits.nameCharactersMax = nameCharactersMax
        limits.passwordBytesMin = passwordBytesMin
        limits.passwordBytesMax = passwordBytesMax
        limits.bodyScalarsMax = bodyScalarsMax
        limits.clientIdCharactersMax = clientIdCharactersMax
        limits.topicScalarsMax = topicScalarsMax
        limits.sessionLifetimeMilliseconds = sessionLifetimeSeconds * 1000
        limits.roomsPerUserMax = roomsPerUserMax
        return limits
    }

    var authConfiguration: AuthConfiguration {
        var auth = AuthConfiguration()
        auth.bcryptCost = bcryptCost
        auth.hashQueueMax = hashQueueMax
        return auth
    }

    /// A bad value is a usage error (exit 2), named, before anything starts.
    func validate() throws {
        if let name = unreadableEnvironment.withLock({ $0.first }) { throw ValidationError("\(name) is set to a value that is not a number of the right kind") }
        do {
            try limits.validate()
            try gatewayConfiguration.validate()
            try authConfiguration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        CPUAffinity.sizeEventLoops()
        var logger = Logger(label: "roomlog")
        logger.logLevel = .info
        var storage = StoreConfiguration(directory: data)
        storage.environment.durable = !noSync
        storage.limits = limits
        var gateway = gatewayConfiguration
        let files = FileLimit.raise(toFit: gateway.connectionsMax)
        if files - FileLimit.reservedFiles < gateway.connectionsMax {
            gateway.connectionsMax = max(1, files - FileLimit.reservedFiles)
            logger.notice("connections-max \(gatewayConfiguration.connectionsMax) needs \(gatewayConfiguration.connectionsMax + FileLimit.reservedFiles) open files and the hard limit allows \(files): at most \(gateway.connectionsMax) connections")
        }
        let store: Store
        let writer: LogWriter
        var follower: ClusterFollower?
        if let cluster = cluster ?? ProcessInfo.processInfo.environment["ROOMLOG_CLUSTER"] {
            // The cluster's commit is the durable point: the mirror needs no fsync (a crashed host catches up).
            storage.environment.durable = false
            let address = try ClusterAddress(cluster)
            let link: PostgresClusterLink
            (store, link) = try Cluster.open(address, configuration: storage, logger: logger)
            writer = LogWriter(store: store, cluster: link)
            follower = ClusterFollower(address: address, writer: writer, health: link.health, logger: logger)
        } else {
            store = try Store(configuration: storage)
            writer = LogWriter(store: store)
        }
        let services = try GatewayServices(store: store, writer: writer, configuration: gateway, auth: authConfiguration,
                                           cluster: follower.map(FollowerView.init))
        try await Gateway.run(services, logger: logger, with: follower.map { [$0] } ?? []) { channel in
            let address = channel.localAddress.map { "\($0)" } ?? "?"
            FileHandle.standardOutput.write(Data("roomlog: serving \(data) (epoch \(store.epoch), file limit \(files)) on \(address)\n".utf8))
        }
    }
}

/// The gateway's view of the cluster, through the follower's connection.
struct FollowerView: ClusterView {
    let follower: ClusterFollower

    func head() async throws -> UInt64 { try await follower.head() }
    var problem: String? { follower.problem }
}
