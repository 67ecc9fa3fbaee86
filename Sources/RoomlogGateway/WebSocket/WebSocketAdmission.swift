import Foundation
import RoomlogAuth
import RoomlogCore

/// Who may open a WebSocket: a valid session (bearer header or cookie), and an `Origin`, when present, that is the
/// request's own host or an allowed origin. Checked by the upgrader and again by the HTTP route that answers a
/// refused upgrade, so both give the same answer.
enum WebSocketAdmission {
    /// The session, or the HTTP error that refuses the upgrade. `header` reads a request header by lower-case name.
    static func check(_ services: GatewayServices, header: (String) -> String?) -> Result<Session, APIError> {
        guard let token = token(header), let session = try? services.accounts.authenticate(token) else { return .failure(.unauthorized) }
        if let origin = header("origin") {
            let host = header("host") ?? ""
            let allowed = origin == "http://" + host || origin == "https://" + host || services.configuration.allowedOrigins.contains(origin)
            guard allowed else { return .failure(APIError(.forbidden, "origin_refused", "origin \(origin) may not open a WebSocket here")) }
        }
        return .success(session)
    }

    static func token(_ header: (String) -> String?) -> SessionToken? {
        if let authorization = header("authorization"), authorization.hasPrefix("Bearer ") {
            let text = authorization.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { return SessionToken(text: text) }
        }
        guard let cookies = header("cookie") else { return nil }
        for pair in cookies.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0] == "roomlog_session", !parts[1].isEmpty { return SessionToken(text: parts[1]) }
        }
        return nil
    }
}
