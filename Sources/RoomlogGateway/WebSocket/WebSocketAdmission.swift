import RoomlogAuth
import RoomlogCore

/// Who may open a WebSocket, decided once per upgrade in the upgrader's `shouldUpgrade`: a live session (bearer
/// header or cookie), an `Origin`, when present, that the origin policy allows, and a free socket of the session's
/// `socketsPerSessionMax`. A refusal is answered with its HTTP error, never a WebSocket close.
enum WebSocketAdmission {
    /// The session, with one of its sockets reserved (release it when the connection closes), or the HTTP error that
    /// refuses the upgrade. `header` reads a request header by lower-case name; `session` is the request's session
    /// if it was looked up already (else it is looked up here).
    static func admit(_ services: GatewayServices, header: (String) -> String?, session known: Session? = nil) -> Result<Session, APIError> {
        guard let session = known ?? SessionMiddleware.token(header).flatMap({ try? services.accounts.authenticate($0.0) }) else {
            return .failure(.unauthorized)
        }
        if let origin = header("origin"), !services.origins.allows(origin, host: header("host")) {
            return .failure(APIError(.originRefused, "origin \(origin) may not open a WebSocket here"))
        }
        guard services.sessionSockets.reserve(session.id) else {
            let limit = services.configuration.socketsPerSessionMax
            return .failure(APIError(.rateLimited, "a session may have at most \(limit) WebSockets open (sockets-per-session-max)"))
        }
        return .success(session)
    }
}
