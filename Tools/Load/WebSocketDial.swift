import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Opens WebSockets to a gateway as plain NIO channels.
enum WebSocketDial {
    /// Opens a WebSocket to `path` on `host`:`port` with `token` (none when empty), from the local address `source`
    /// when given, and installs the handler `makeHandler` makes; throws `LoadError` when the gateway refuses the upgrade.
    static func open<Handler: ChannelInboundHandler & Sendable>(group: any EventLoopGroup, host: String = "127.0.0.1", port: Int, token: String,
                                                                 path: String = "/api/v1/ws", source: String? = nil,
                                                                 _ makeHandler: @escaping @Sendable () -> Handler) async throws -> (any Channel, Handler) {
        var bootstrap = ClientBootstrap(group: group).channelOption(.socketOption(.so_reuseaddr), value: 1)
        if let source {
            // The port is chosen at connect, per destination (IP_BIND_ADDRESS_NO_PORT): binding port 0 alone would
            // give every socket a port of its own on `source`, about 28,000 in all.
            let noPort = ChannelOptions.Types.SocketOption(level: .ip, name: NIOBSDSocket.Option(rawValue: 24))  // IP_BIND_ADDRESS_NO_PORT
            bootstrap = bootstrap.channelOption(noPort, value: 1)
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
        }
        let upgraded: EventLoopFuture<(any Channel, Handler)?> = try await bootstrap
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<(any Channel, Handler)?>(maxFrameSize: 1 << 20) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            let handler = makeHandler()
                            try channel.pipeline.syncOperations.addHandler(handler)
                            return (channel, handler)
                        }
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "\(host):\(port)")
                    if !token.isEmpty { headers.add(name: "Authorization", value: "Bearer \(token)") }
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<(any Channel, Handler)?>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(nil) })
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                    pipeline.leftOverBytesStrategy = .forwardBytes  // the hello often arrives with the 101
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
                }
            }
        guard let connection = try await upgraded.get() else { throw LoadError("the gateway refused the WebSocket upgrade") }
        return connection
    }
}
