/// Where a ``RemoteKeySet`` finds the issuer's keys, and how it caches them.
///
/// The defaults are the ones to run with; the time limits and the size cap are settable mainly
/// for tests.
public struct RemoteKeySetConfiguration: Sendable, Hashable {
    /// The shortest time a fetched key set is used before it is fetched again, whatever its
    /// `Cache-Control` says (also for `no-store` and `no-cache`).
    public static let minimumCacheLifetime: Duration = .seconds(30)
    /// The longest time a fetched key set is used before it is fetched again.
    public static let maximumCacheLifetime: Duration = .seconds(24 * 3600)

    /// The issuer (the `iss` of its tokens). With no ``jwksURL``, the JWKS URL is discovered
    /// from the issuer's RFC 8414 metadata (`/.well-known/oauth-authorization-server`), whose
    /// `issuer` member must be exactly this string.
    public var issuer: String?
    /// The JWKS URL, when it is known: no discovery then.
    public var jwksURL: String?
    /// How long a key set is used when its answer has no `Cache-Control: max-age` (default
    /// 10 min); kept within ``minimumCacheLifetime`` and ``maximumCacheLifetime``.
    public var defaultCacheLifetime: Duration
    /// After a token names an unknown `kid` and the set was fetched for it, how long until an
    /// unknown `kid` may cause another fetch (default 30 s): a flood of made-up `kid`s costs
    /// the issuer one request per cooldown.
    public var unknownKeyCooldown: Duration
    /// How long after the last successful fetch the last good set keeps serving while the
    /// issuer cannot be reached (default 24 h); after that, verification fails closed with
    /// `keys_unavailable`.
    public var maximumStaleAge: Duration
    /// The time limit of one HTTP exchange (metadata or JWKS), head and body (default 5 s).
    public var fetchTimeout: Duration
    /// The largest answer read (default 256 KiB); a larger one is a failed fetch.
    public var maximumResponseBytes: Int
    /// The first delay before a failed fetch is retried (default 500 ms); it doubles with each
    /// failure, up to ``maximumRetryDelay``.
    public var initialRetryDelay: Duration
    /// The longest delay between retries of a failed fetch (default 10 s).
    public var maximumRetryDelay: Duration
    /// How long a key revoked through the revocation feed stays refused after the revocation
    /// was last heard, even when a fetched set still lists it (default 24 h: a cached copy of
    /// the JWKS may list it for as long as caches keep it). The feed repeats a key revocation
    /// on every connection while it matters, which renews it.
    public var revokedKeyRetention: Duration
    /// How often the running service looks at its clock to see whether the set has expired
    /// (default 1 s).
    public var checkInterval: Duration

    /// Creates a configuration that discovers the JWKS URL from the issuer's metadata.
    public init(issuer: String) {
        self.init(issuer: issuer, jwksURL: nil)
    }

    /// Creates a configuration with a JWKS URL given directly; `issuer`, when given, is only
    /// recorded (verifiers take it as the default `iss` to require).
    public init(jwksURL: String, issuer: String? = nil) {
        self.init(issuer: issuer, jwksURL: jwksURL)
    }

    private init(issuer: String?, jwksURL: String?) {
        self.issuer = issuer
        self.jwksURL = jwksURL
        self.defaultCacheLifetime = .seconds(600)
        self.unknownKeyCooldown = .seconds(30)
        self.maximumStaleAge = .seconds(24 * 3600)
        self.fetchTimeout = .seconds(5)
        self.maximumResponseBytes = 256 * 1024
        self.initialRetryDelay = .milliseconds(500)
        self.maximumRetryDelay = .seconds(10)
        self.revokedKeyRetention = .seconds(24 * 3600)
        self.checkInterval = .seconds(1)
    }
}
