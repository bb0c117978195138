public import Hummingbird
public import HummingbirdAuth
public import JWTAuth
import NIOCore

/// A request context that can carry a verified access token and knows the client's address
/// (for login rate limiting). Adopt it in your own context to use the JWTAuth middleware and
/// routes, or use ``JWTAuthContext``.
public protocol JWTAuthRequestContext: AuthRequestContext where Identity == AccessToken {
    /// The client's IP address, as the rate limiter should count it.
    var clientAddress: String? { get }
}

/// A ready-made ``JWTAuthRequestContext`` with a 64 KiB request body limit.
public struct JWTAuthContext: JWTAuthRequestContext, RequestContext {
    /// Hummingbird's own per-request state.
    public var coreContext: CoreRequestContextStorage
    /// The access token ``BearerAuthenticator`` verified, or nil.
    public var identity: AccessToken?
    /// The IP address of the connection's peer, or nil when it has none.
    public let clientAddress: String?

    /// Creates the context of a new request, without an identity.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = CoreRequestContextStorage(source: source)
        self.identity = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies above this are refused with 413 before they are parsed.
    public var maxUploadSize: Int { RequestFields.maximumBodyBytes }
}
