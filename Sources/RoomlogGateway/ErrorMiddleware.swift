import Hummingbird
import Logging
import RoomlogCore
import RoomlogStore

/// Turns every error a route throws into the protocol's JSON error answer; nothing reaches the client as a 500
/// with an unexplained body, and unexpected errors are logged.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    let metrics: GatewayMetrics

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        defer { metrics.requestDuration.record(ContinuousClock.now - started) }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as RoomlogError {
            return APIError(error).response
        } catch let error as StoreError where error == .writerQueueFull || error == .writerStopped {
            return APIError(.serviceUnavailable, "unavailable", "\(error); retry with the same message id").response
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: return APIError(.notFound, "not_found", "no such route").response
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "method not allowed").response
            case .contentTooLarge: return APIError(.contentTooLarge, "bad_request", "the body is too large").response
            default: return APIError(error.status, "bad_request", error.body ?? "bad request").response
            }
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIError(.internalServerError, "internal_error", "the server failed; the request may be retried").response
        }
    }
}
