import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import RoomlogCore
import Prometheus
import Synchronization

/// The server's child channel: HTTP/1.1 for Hummingbird's routes, and an upgrade of `GET /api/v1/ws` that hands
/// the connection to plain NIO handlers (`ChatConnection`), with no Swift task per WebSocket.
///
/// It mirrors Hummingbird's own upgrade channel. Every connection counts against `connectionsMax` (past it, it is
/// closed at once) and must send its request head within the head timeout. NIO's typed upgrader decides admission
/// once, in `shouldUpgrade` (`WebSocketAdmission`), and its pipeline handler installs the chat handler with the
/// session decided there; a refused upgrade is answered here with its HTTP error, and any other request goes to
/// Hummingbird, with the idle timeout between requests.
struct RoomlogChildChannel: ServerChildChannel, HTTPChannelHandler {
    enum Upgrade: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, APIError)
        case websocket
    }

    struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        let channel: any Channel
    }

    /// A connection past `connectionsMax`.
    struct ConnectionRefused: Error {}

    let responder: HTTPChannelHandler.Responder
    let services: GatewayServices

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let services = services
        let open = services.connections.wrappingAdd(1, ordering: .relaxed).newValue
        channel.closeFuture.whenComplete { _ in services.connections.wrappingSubtract(1, ordering: .relaxed) }
        guard open <= services.configuration.connectionsMax else {
            services.metrics.connectionsRefused.increment()
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionRefused())
        }
        return channel.eventLoop.makeCompletedFuture {
            let configuration = services.configuration
            let admission = NIOLoopBoundBox<Result<Session, APIError>?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: configuration.frameBytesMax,
                shouldUpgrade: { channel, head in
                    guard Self.isWebSocketPath(head.uri) else { return channel.eventLoop.makeSucceededFuture(nil) }
                    let header: @Sendable (String) -> String? = { head.headers.first(name: $0) }
                    @Sendable func decide(_ result: Result<Session, APIError>) -> HTTPHeaders? {
                        admission.value = result
                        guard case .success(let session) = result else { return nil }
                        channel.closeFuture.whenComplete { _ in services.sessionSockets.release(session.id) }
                        var headers = HTTPHeaders()
                        if Self.deflateOffered(head) { headers.add(name: "Sec-WebSocket-Extensions", value: PerMessageDeflate.responseHeader) }
                        return headers
                    }
                    let result = WebSocketAdmission.admit(services, header: header)
                    // In cluster mode, a token minted on another host may not have reached this mirror yet.
                    guard case .failure(let error) = result, error.code == .unauthorized, services.cluster != nil,
                          let (token, _) = SessionMiddleware.token(header) else {
                        return channel.eventLoop.makeSucceededFuture(decide(result))
                    }
                    return channel.eventLoop.makeFutureWithTask { try? await services.authenticate(token) }.map { session in
                        decide(session.map { WebSocketAdmission.admit(services, header: header, session: $0) } ?? result)
                    }
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .success(let session)? = admission.value else { throw ChannelError.inappropriateOperationForState }
                        try Self.addChatHandlers(channel, session: session, deflate: Self.deflateOffered(head), batch: Self.batchAsked(head.uri),
                                                 services: services)
                        return .websocket
                    }
                }
            )
            let upgrades = NIOTypedHTTPServerUpgradeConfiguration(upgraders: [upgrader], notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    let idle = Duration.milliseconds(configuration.idleTimeoutMilliseconds)
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: idle, logger: logger))
                    let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    if case .failure(let error)? = admission.value { return .refused(http, error) }
                    return .http(http)
                }
            })
            let headTimeout = RequestHeadTimeoutHandler(timeout: .milliseconds(configuration.requestHeadTimeoutMilliseconds))
            try channel.pipeline.syncOperations.addHandler(headTimeout)
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Upgrade>(upgradeConfiguration: upgrades)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgrade: upgrade, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .http(let channel): await handleHTTP(asyncChannel: channel, logger: logger)
            case .refused(let channel, let error): try await Self.answer(channel, error)
            case .websocket: return
            }
        } catch {
            logger.debug("connection ended before its first request", metadata: ["error": "\(error)"])
        }
    }

    /// Installs the WebSocket's handlers for `session`: the outbox's bounds, the writer of shared pre-encoded frames
    /// below the frame encoder, and the chat handler.
    static func addChatHandlers(_ channel: any Channel, session: Session, deflate: Bool, batch: Bool = false, services: GatewayServices) throws {
        let configuration = services.configuration
        let watermark = ChannelOptions.Types.WriteBufferWaterMark(low: configuration.outboxBytesMax / 2, high: configuration.outboxBytesMax)
        try channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: watermark)
        if let bytes = configuration.socketSendBufferBytes {
            try channel.syncOptions?.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(bytes))
        }
        let encodedFrames = EncodedFrameWriter()
        try channel.pipeline.syncOperations.addHandler(encodedFrames, position: .first)
        let hub = services.hubs.hub(for: channel.eventLoop)
        let connection = ChatConnection(session: session, services: services, hub: hub, deflate: deflate, batch: batch, encodedFrames: encodedFrames,
                                        closeFuture: channel.closeFuture)
        try channel.pipeline.syncOperations.addHandler(connection)
    }

    /// Whether `uri` is the WebSocket endpoint.
    static func isWebSocketPath(_ uri: String) -> Bool {
        uri == "/api/v1/ws" || uri.hasPrefix("/api/v1/ws?")
    }

    /// Whether the upgrade asks for batched event frames: `batch=1` in the query of `/api/v1/ws` (version 1.2).
    static func batchAsked(_ uri: String) -> Bool {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return false }
        return query.split(separator: "&").contains("batch=1")
    }

    /// Whether the client offers permessage-deflate (which is then always accepted).
    static func deflateOffered(_ head: HTTPRequestHead) -> Bool {
        PerMessageDeflate.offered(in: head.headers[canonicalForm: "sec-websocket-extensions"].joined(separator: ","))
    }

    /// Answers a refused upgrade with its HTTP error, never a WebSocket close, and closes the connection.
    static func answer(_ channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ error: APIError) async throws {
        try await channel.executeThenClose { _, outbound in
            let response = error.response
            var fields = response.head.headerFields
            let body = ByteBuffer(bytes: error.body)
            fields[.contentLength] = "\(body.readableBytes)"
            fields[.connection] = "close"
            try await outbound.write(contentsOf: [.head(HTTPResponse(status: error.status, headerFields: fields)), .body(body), .end(nil)])
        }
    }
}
