import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import HummingbirdCore
public import NIOCore
import NIOPosix
import RoomlogCore
import RoomlogStore
public import ServiceLifecycle
import RoomlogAuth
import UnixSignals

/// The gateway: the HTTP API over one log, and the services that run beside it.
public enum Gateway {
    /// The router with every route of the HTTP API. The session is found once per request (`SessionMiddleware`);
    /// every `/api/v1` route but register and login runs in a `SessionContext`, answered 401 without one.
    public static func router(_ services: GatewayServices) -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        router.add(middleware: ConnectionCloseMiddleware())
        router.add(middleware: ErrorMiddleware(metrics: services.metrics, limits: services.limits))
        router.add(middleware: SessionMiddleware(services: services))
        HealthRoutes(services: services).add(to: router)
        WebClientRoutes().add(to: router)
        let accounts = AccountRoutes(services: services)
        accounts.add(to: router)
        let api = router.group("/api/v1", context: SessionContext.self).add(middleware: CookieRequestGuard(origins: services.origins))
        accounts.add(to: api)
        RoomRoutes(services: services).add(to: api)
        api.get("ws") { _, _ -> Response in throw APIError.badRequest("GET /api/v1/ws must be a WebSocket upgrade") }
        return router
    }

    /// The application: the HTTP server plus the tail, the expiry sweep and the writer, shut down in that order's
    /// reverse (the server stops accepting and closes its connections first, the writer commits what it holds last).
    public static func application(_ services: GatewayServices, logger: Logger, with extraServices: [any Service] = [],
                                   onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(services),
            server: HTTPServerBuilder { responder in RoomlogChildChannel(responder: responder, services: services) },
            configuration: .init(address: .hostname(services.configuration.host, port: services.configuration.port)),
            services: [WriterService(writer: services.writer)] + extraServices
                + [BroadcastService(services: services, logger: logger), ExpiryService(services: services, logger: logger)],
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Runs the application until SIGTERM or SIGINT, then shuts it down within `shutdownGraceMilliseconds` whatever
    /// clients do: graceful shutdown gets all but the last second, cancellation the last, and if the process is still
    /// there at the deadline it exits at once (`ShutdownDeadline`).
    /// `extraServices` run beside the gateway's own (a cluster's follower), shut down before the writer.
    public static func run(_ services: GatewayServices, logger: Logger, with extraServices: [any Service] = [],
                           onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        let grace = services.configuration.shutdownGraceMilliseconds
        let app = application(services, logger: logger, with: extraServices, onServerRunning: onServerRunning)
        var configuration = ServiceGroupConfiguration(services: [app, ShutdownDeadline(milliseconds: grace, logger: logger)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(max(500, grace - 1000))
        configuration.maximumCancellationDuration = nil  // not ServiceLifecycle's fatalError: ShutdownDeadline ends it
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// The last resort of a shutdown: once it starts, a thread of its own ends the process after `milliseconds` if it
/// has not ended by then (exit status 1). Everything acknowledged is in the log already; a commit cut short by the
/// exit was acknowledged to nobody, and LMDB survives it.
struct ShutdownDeadline: Service {
    let milliseconds: Int64
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let (milliseconds, logger) = (milliseconds, logger)
        Thread.start(name: "roomlog-grace") {
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
            logger.error("shutdown took longer than its grace; exiting", metadata: ["grace_ms": "\(milliseconds)"])
            _exit(1)  // not exit(): no atexit handler may wait on the threads that are stuck
        }
    }
}

/// Stops the log writer on shutdown, after committing every command it holds (waiting off the cooperative pool).
struct WriterService: Service {
    let writer: LogWriter

    func run() async throws {
        try? await gracefulShutdown()
        await writer.stopped()
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
