public import Hummingbird
public import HummingbirdJWTAuth
public import JWTAuth
import NIOCore

/// The gateway's request context: the verified token, the caller's address, and the
/// connection (to answer `Expect: 100-continue` once the gateway decides to forward).
public struct GatewayContext: JWTAuthRequestContext, RequestContext {
    /// Hummingbird's own per-request state.
    public var coreContext: CoreRequestContextStorage
    /// The access token the authenticator verified, or nil.
    public var identity: AccessToken?
    /// The IP address of the connection's peer.
    public let clientAddress: String?
    let channel: any Channel

    /// Creates the context of a new request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = CoreRequestContextStorage(source: source)
        self.identity = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }
}
