/// Everything `jwtauth gateway` can be told, as a plain value with its defaults. Read once at
/// the edge (flags, then `JWTAUTH_*` variables); tests build it directly.
public struct GatewayConfiguration: Sendable {
    /// The address to listen on (default `127.0.0.1`).
    public var host: String
    /// The TCP port to listen on (default 8081; 0 picks a free one).
    public var port: Int
    /// The token server's issuer URL (`iss`); its RFC 8414 metadata names the JWKS, the token
    /// endpoint and the revocation feed.
    public var issuer: String
    /// The service behind the gateway, e.g. `http://127.0.0.1:9000` (a path is a prefix).
    public var upstream: String
    /// The `aud` access tokens must carry; the issuer by default (as `jwtauth serve` issues).
    public var audience: String?
    /// The gateway's client id for the revocation feed (a client with the scope
    /// `revocations:read`, made with `jwtauth clients add`).
    public var clientID: String?
    /// The client's secret (read from a file at the edge, never from a flag).
    public var clientSecret: String?
    /// How long the revocation feed may be silent before the gateway stops accepting tokens
    /// (503) until it is back (default 60 s). Zero turns the feed off: revoked tokens are then
    /// accepted until they expire.
    public var revocationStaleLimit: Duration
    /// At most one JWKS fetch per this period for tokens with an unknown `kid` (default 30 s).
    public var jwksRefetchCooldown: Duration
    /// How long the upstream may take to start its answer (502 if it cannot be reached, 504
    /// when it is too slow; default 30 s), and may pause while streaming it.
    public var upstreamTimeout: Duration
    /// A role every token must carry (403 otherwise); nil requires none.
    public var requiredRole: String?
    /// Whether machine clients' tokens (client credentials, no session) are forwarded besides
    /// users' tokens (default false: 403). The upstream tells them apart by the missing
    /// `X-Auth-Session`.
    public var allowsClientTokens: Bool
    /// Path prefixes forwarded without a token (`/docs` covers `/docs` and `/docs/…`).
    public var publicPrefixes: [String]
    /// The most upstream connections kept open at once (default 256).
    public var maximumUpstreamConnections: Int
    /// `HOST:PORT` of a separate listener answering `GET /metrics` in the Prometheus text
    /// format (`--metrics-listen`); nil (the default) serves no metrics.
    public var metricsListen: String?

    /// Creates a configuration; each parameter sets the property of the same name.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8081,
        issuer: String,
        upstream: String,
        audience: String? = nil,
        clientID: String? = nil,
        clientSecret: String? = nil,
        revocationStaleLimit: Duration = .seconds(60),
        jwksRefetchCooldown: Duration = .seconds(30),
        upstreamTimeout: Duration = .seconds(30),
        requiredRole: String? = nil,
        allowsClientTokens: Bool = false,
        publicPrefixes: [String] = [],
        maximumUpstreamConnections: Int = 256
    ) {
        self.host = host
        self.port = port
        self.issuer = issuer
        self.upstream = upstream
        self.audience = audience
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.revocationStaleLimit = revocationStaleLimit
        self.jwksRefetchCooldown = jwksRefetchCooldown
        self.upstreamTimeout = upstreamTimeout
        self.requiredRole = requiredRole
        self.allowsClientTokens = allowsClientTokens
        self.publicPrefixes = publicPrefixes
        self.maximumUpstreamConnections = maximumUpstreamConnections
    }

    /// The audience in effect.
    public var effectiveAudience: String { self.audience ?? self.issuer }
}
