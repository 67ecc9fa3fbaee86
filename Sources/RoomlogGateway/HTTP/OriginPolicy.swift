/// Which `Origin` may open a WebSocket or send a cookie-authenticated POST: `http://` or `https://` followed by the
/// request's own `Host`, or an allowed origin (`serve --allowed-origin`).
struct OriginPolicy: Sendable {
    let allowedOrigins: [String]

    /// Whether `origin` may act on a request whose `Host` is `host`.
    func allows(_ origin: String, host: String?) -> Bool {
        if let host, origin == "http://" + host || origin == "https://" + host { return true }
        return allowedOrigins.contains(origin)
    }
}
