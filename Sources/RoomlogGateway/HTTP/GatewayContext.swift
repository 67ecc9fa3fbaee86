public import Hummingbird
import NIOCore
public import RoomlogAuth
public import RoomlogCore

/// The request context of the gateway's routes: Hummingbird's core context, the TCP peer's address, and the
/// session that `SessionMiddleware` found for the request, if any.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy, when the gateway runs behind one).
    public let peerAddress: String?
    /// The live session the request presented, set by `SessionMiddleware`.
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// A live session and how the request presented it.
public struct Identity: Sendable {
    /// The session.
    public let session: Session
    /// The token the request presented.
    public let token: SessionToken
    /// Whether the token came from the cookie (a browser sends it on its own: the origin and content-type rules of
    /// cookie-authenticated requests apply) rather than an `Authorization` header.
    public let byCookie: Bool
}

/// The context of the routes that need a session: made from a `GatewayContext` only when the request has one, so
/// such a route can never run without it; otherwise the request is answered 401 before any other check.
public struct SessionContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer.
    public let peerAddress: String?
    /// The request's live session.
    public let identity: Identity

    public init(context: GatewayContext) throws {
        guard let identity = context.identity else { throw APIError.unauthorized }
        coreContext = context.coreContext
        peerAddress = context.peerAddress
        self.identity = identity
    }

    /// The session.
    public var session: Session { identity.session }
}
