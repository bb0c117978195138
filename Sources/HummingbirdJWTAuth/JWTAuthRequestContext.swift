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
    public var coreContext: CoreRequestContextStorage
    public var identity: AccessToken?
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = CoreRequestContextStorage(source: source)
        self.identity = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies above this are refused with 413 before they are parsed.
    public var maxUploadSize: Int { RequestFields.maximumBodyBytes }
}
