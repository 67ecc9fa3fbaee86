import Foundation
import HTTPTypes
import Hummingbird

/// The web client: static files from the gateway's resources (`Resources/web`), no build step. Every answer carries a
/// Content-Security-Policy that allows only this origin: the page has no inline script, style or event handler.
struct WebClientRoutes {
    /// What is served: each path, its file in `Resources/web` and its content type.
    static let served = [("/", "index.html", "text/html; charset=utf-8"), ("/app.js", "app.js", "text/javascript; charset=utf-8"),
                         ("/app.css", "app.css", "text/css; charset=utf-8")]

    /// The files served, by path: read once, at the first request.
    static let files: [String: (type: String, body: ByteBuffer)] = {
        var files: [String: (type: String, body: ByteBuffer)] = [:]
        for (path, name, type) in served {
            guard let url = Bundle.module.url(forResource: "web/" + name, withExtension: nil), let data = try? Data(contentsOf: url) else { continue }
            files[path] = (type, ByteBuffer(bytes: data))
        }
        return files
    }()

    func add(to router: Router<GatewayContext>) {
        for (path, _, _) in Self.served {
            router.get(RouterPath(path)) { request, _ in Self.answer(path, host: request.head.authority) }
        }
    }

    static func answer(_ path: String, host: String?) -> Response {
        guard let file = files[path] else {
            return Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "The web client's \(path) is missing from this build.\n")))
        }
        var headers: HTTPFields = [.contentType: file.type, .cacheControl: "no-cache"]
        headers[.contentSecurityPolicy] = contentSecurityPolicy(host: host)
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }

    /// `default-src 'self'`, and the WebSocket of this host by name as well (`'self'` covers ws: only in browsers of
    /// CSP level 3). A Host header that is not a plain host and port is left out rather than echoed.
    static func contentSecurityPolicy(host: String?) -> String {
        var connect = "'self'"
        if let host, !host.isEmpty, host.utf8.count <= 255,
           host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) }) {
            connect += " ws://\(host) wss://\(host)"
        }
        return "default-src 'self'; connect-src \(connect); img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }
}
