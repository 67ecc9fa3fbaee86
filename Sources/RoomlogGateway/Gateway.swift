import HTTPTypes
import Hummingbird
import Logging
import HummingbirdCore
import NIOCore
import NIOPosix
import RoomlogCore
import RoomlogStore
import ServiceLifecycle

/// The gateway: the HTTP API over one log, and the services that run beside it.
public enum Gateway {
    /// The router with every route of the HTTP API.
    public static func router(_ services: GatewayServices) -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        router.add(middleware: ErrorMiddleware(metrics: services.metrics))
        AccountRoutes(services: services).add(to: router)
        RoomRoutes(services: services).add(to: router)
        HealthRoutes(services: services).add(to: router)
        router.get("/api/v1/ws") { request, _ -> Response in
            switch WebSocketAdmission.check(services, header: request.header) {
            case .failure(let error): throw error
            case .success: throw APIError.badRequest("GET /api/v1/ws must be a WebSocket upgrade")
            }
        }
        return router
    }

    /// The application: the HTTP server plus the tail, the expiry sweep and the writer, shut down in that order's
    /// reverse on SIGTERM or SIGINT (the server stops accepting first, the writer commits what it holds last).
    public static func application(_ services: GatewayServices, logger: Logger,
                                   onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(services),
            server: HTTPServerBuilder { responder in RoomlogChildChannel(responder: responder, services: services) },
            configuration: .init(address: .hostname(services.configuration.host, port: services.configuration.port)),
            services: [WriterService(writer: services.writer), BroadcastService(services: services, logger: logger), ExpiryService(services: services, logger: logger)],
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}

/// Stops the log writer on shutdown, after committing every command it holds.
struct WriterService: Service {
    let writer: LogWriter

    func run() async throws {
        try? await gracefulShutdown()
        writer.stop()
    }
}

/// Closes expired sessions every `expirySweepMilliseconds` (several gateways may sweep; each session closes once).
struct ExpiryService: Service {
    let services: GatewayServices
    let logger: Logger

    func run() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard await Self.wait(milliseconds: services.configuration.expirySweepMilliseconds, on: loop) else { return }
                do {
                    let closed = try await services.accounts.expireSessions()
                    if closed > 0 { logger.info("closed expired sessions", metadata: ["count": "\(closed)"]) }
                } catch {
                    logger.error("expiry sweep failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Waits `milliseconds` on a timer of `loop`; false when the task is cancelled first. Not `Task.sleep`: its
    /// libdispatch timers once stopped firing on this machine, leaving every sleeper asleep (Tests/Support/Pause.swift).
    static func wait(milliseconds: Int64, on loop: any EventLoop) async -> Bool {
        let timer = loop.scheduleTask(in: .milliseconds(milliseconds)) {}
        return await withTaskCancellationHandler {
            (try? await timer.futureResult.get()) != nil
        } onCancel: {
            timer.cancel()
        }
    }
}
