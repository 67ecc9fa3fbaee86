import Hummingbird
import NIOCore

/// The request context of the gateway's routes: Hummingbird's core context plus the TCP peer's address.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy, when the gateway runs behind one).
    public let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
}
