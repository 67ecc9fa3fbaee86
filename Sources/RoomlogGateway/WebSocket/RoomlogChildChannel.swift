import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import RoomlogCore

/// The server's child channel: HTTP/1.1 for Hummingbird's routes, and an upgrade of `GET /api/v1/ws` that hands
/// the connection to plain NIO handlers (`ChatConnection`), with no Swift task per WebSocket.
///
/// It mirrors Hummingbird's own upgrade channel: NIO's typed upgrader runs the admission check in `shouldUpgrade`;
/// on success its pipeline handler installs the chat handler and the connection never enters async code; a
/// refused or absent upgrade continues as HTTP, where the `/api/v1/ws` route answers 401 or 403.
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

    let responder: HTTPChannelHandler.Responder
    let services: GatewayServices

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let services = services
            let refusal = NIOLoopBoundBox<APIError?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: services.configuration.frameBytesMax,
                shouldUpgrade: { channel, head in
                    switch Self.admit(head, services) {
                    case .success?:
                        var headers = HTTPHeaders()
                        if Self.deflateOffered(head) { headers.add(name: "Sec-WebSocket-Extensions", value: PerMessageDeflate.responseHeader) }
                        return channel.eventLoop.makeSucceededFuture(headers)
                    case .failure(let error)?:
                        refusal.value = error
                        return channel.eventLoop.makeSucceededFuture(nil)
                    case nil: return channel.eventLoop.makeSucceededFuture(nil)
                    }
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .success(let session)? = Self.admit(head, services) else { throw ChannelError.inappropriateOperationForState }
                        let watermark = ChannelOptions.Types.WriteBufferWaterMark(low: services.configuration.outboxBytesMax / 2, high: services.configuration.outboxBytesMax)
                        try channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: watermark)
                        if let bytes = services.configuration.socketSendBufferBytes {
                            try channel.syncOptions?.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(bytes))
                        }
                        let hub = services.hubs.hub(for: channel.eventLoop)
                        let encodedFrames = EncodedFrameWriter()
                        try channel.pipeline.syncOperations.addHandler(encodedFrames, position: .first)
                        let connection = ChatConnection(session: session, services: services, hub: hub, deflate: Self.deflateOffered(head), encodedFrames: encodedFrames)
                        try channel.pipeline.syncOperations.addHandler(connection)
                        return .websocket
                    }
                }
            )
            let upgrades = NIOTypedHTTPServerUpgradeConfiguration(upgraders: [upgrader], notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                    let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    if let error = refusal.value { return .refused(http, error) }
                    return .http(http)
                }
            })
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Upgrade>(upgradeConfiguration: upgrades)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
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

    /// For an upgrade of `/api/v1/ws`: the session, or the HTTP error that refuses it; nil for other paths.
    static func admit(_ head: HTTPRequestHead, _ services: GatewayServices) -> Result<Session, APIError>? {
        guard head.uri == "/api/v1/ws" || head.uri.hasPrefix("/api/v1/ws?") else { return nil }
        return WebSocketAdmission.check(services, header: { head.headers.first(name: $0) })
    }

    /// Whether the client offers permessage-deflate (which is then always accepted).
    static func deflateOffered(_ head: HTTPRequestHead) -> Bool {
        PerMessageDeflate.offered(in: head.headers[canonicalForm: "sec-websocket-extensions"].joined(separator: ","))
    }

    /// Answers a refused upgrade with its HTTP error, never a WebSocket close, and closes the connection.
    static func answer(_ channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ error: APIError) async throws {
        try await channel.executeThenClose { _, outbound in
            let body = ByteBuffer(bytes: error.body)
            let head = HTTPResponse(status: error.status, headerFields: [.contentType: "application/json", .contentLength: "\(body.readableBytes)", .connection: "close"])
            try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
        }
    }
}
