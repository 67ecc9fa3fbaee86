import Hummingbird
import Logging
import RoomlogAuth
import RoomlogCore
import RoomlogStore
import Prometheus

/// Turns every error a route throws into the protocol's JSON error answer; nothing reaches the client as a 500
/// with an unexplained body, and unexpected errors are logged.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    let metrics: GatewayMetrics
    let limits: Limits

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        defer { metrics.requestDuration.record(ContinuousClock.now - started) }
        do {
            return try await next(request, context)
        } catch {
            if let answer = APIError(error, limits) { return answer.response }
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIError(.internalError, "the server failed; the request may be retried").response
        }
    }
}

extension APIError {
    /// The answer for an error that the protocol names, or nil for an unexpected one.
    init?(_ error: any Error, _ limits: Limits) {
        switch error {
        case let error as APIError: self = error
        case let error as RoomlogError: self.init(error, limits)
        case let refusal as RateRefusal: self.init(.rateLimited, refusal.message, retryAfterSeconds: refusal.retryAfterSeconds)
        case StoreError.writerQueueFull: self.init(.unavailable, "the log writer's queue is full (writer-queue-commands-max); retry with the same message id")
        case StoreError.writerStopped: self.init(.unavailable, "the gateway is shutting down; retry on another")
        case StoreError.clusterUnavailable(let reason): self.init(.unavailable, "the cluster cannot take commands now (\(reason)); retry with the same message id", retryAfterSeconds: 1)
        case let busy as PasswordHasher.Busy:
            self.init(.unavailable, "too many password checks are waiting (hash-queue-max \(busy.queueMax)); retry shortly", retryAfterSeconds: 1)
        case let error as HTTPError:
            switch error.status {
            case .notFound: self.init(.notFound, "no such route")
            case .methodNotAllowed: self.init(.methodNotAllowed, "method not allowed")
            case .contentTooLarge: self.init(.badRequest, "the body is too large", status: .contentTooLarge)
            default: self.init(.badRequest, error.body ?? "bad request", status: error.status)
            }
        default: return nil
        }
    }
}
