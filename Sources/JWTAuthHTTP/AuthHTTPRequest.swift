public import HTTPTypes
public import JWTAuth

/// A request to one of the token server's routes, as any HTTP framework can hand it over: the
/// adapter (Hummingbird's ``JWTAuthRoutes``, Vapor's route collection) collects the body and
/// names the peer; ``AuthEndpoints`` does the rest, so every framework answers the same way.
public struct AuthHTTPRequest: Sendable {
    /// The largest body an adapter collects (64 KiB); a larger one is answered with
    /// ``AuthHTTPError/bodyTooLarge()`` before anything is parsed.
    public static let maximumBodyBytes = 64 * 1024

    /// The request method.
    public var method: HTTPRequest.Method
    /// The `Host` of the request (`host[:port]`), which a development server's cookie check
    /// compares with `Origin`.
    public var authority: String?
    /// The header fields.
    public var headers: HTTPFields
    /// The body, at most ``maximumBodyBytes``.
    public var body: [UInt8]
    /// The query string as sent (percent-encoded, without the `?`), or nil without one. The
    /// endpoints decode it strictly themselves.
    public var query: String?
    /// The address of the connection's peer (an IP address), or nil when it has none.
    public var peer: String?
    /// The route's path parameters by name, e.g. `id` of `/auth/sessions/:id`.
    public var parameters: [String: String]
    /// The verified access token, once the route's access rule has been applied.
    public var identity: AccessToken?

    /// Creates a request.
    public init(
        method: HTTPRequest.Method,
        authority: String? = nil,
        headers: HTTPFields,
        body: [UInt8] = [],
        query: String? = nil,
        peer: String? = nil,
        parameters: [String: String] = [:],
        identity: AccessToken? = nil
    ) {
        self.method = method
        self.authority = authority
        self.headers = headers
        self.body = body
        self.query = query
        self.peer = peer
        self.parameters = parameters
        self.identity = identity
    }
}
