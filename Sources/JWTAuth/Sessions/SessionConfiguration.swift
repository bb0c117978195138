/// The lifetimes and limits of the session engine; the defaults are those the README lists.
public struct SessionConfiguration: Sendable, Hashable {
    /// `iss` of every token, and the base of the token endpoint URL.
    public var issuer: String
    /// `aud` of access tokens: the APIs that accept them.
    public var audience: String
    /// Access-token lifetime (default 5 min).
    public var accessTokenLifetime: Duration
    /// Refresh-token idle lifetime, reset by each rotation (default 6 h).
    public var refreshTokenLifetime: Duration
    /// Absolute session lifetime, never extended by rotation (default 30 d).
    public var sessionLifetime: Duration
    /// Grace after a rotation during which the previous refresh token gets the same successor
    /// instead of tripping reuse detection (default 0 s: no grace).
    public var reuseInterval: Duration
    /// Clock skew tolerated when verifying (default 60 s, at most 300 s).
    public var leeway: Duration
    /// Sessions per user; logging in beyond it evicts the oldest (default 20).
    public var maximumSessionsPerUser: Int
    /// `client_id` of sessions whose login named none.
    public var defaultClientID: String
    /// Access tokens remembered after their first verification, so that later requests with
    /// the same token skip the signature check (default 10,000; 0 turns it off). Time rules and
    /// revocation are still checked on every request. See ``JWTVerifier/cacheCapacity``.
    public var accessTokenCacheCapacity: Int

    /// Creates a configuration; `audience` defaults to `issuer`, `leeway` is capped at 300 s and a
    /// negative cache capacity counts as 0.
    public init(
        issuer: String,
        audience: String? = nil,
        accessTokenLifetime: Duration = .seconds(300),
        refreshTokenLifetime: Duration = .seconds(6 * 3600),
        sessionLifetime: Duration = .seconds(30 * 86400),
        reuseInterval: Duration = .zero,
        leeway: Duration = .seconds(60),
        maximumSessionsPerUser: Int = 20,
        defaultClientID: String = "default",
        accessTokenCacheCapacity: Int = 10_000
    ) {
        self.issuer = issuer
        self.audience = audience ?? issuer
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.sessionLifetime = sessionLifetime
        self.reuseInterval = reuseInterval
        self.leeway = min(leeway, JWTValidationPolicy.maximumLeeway)
        self.maximumSessionsPerUser = maximumSessionsPerUser
        self.defaultClientID = defaultClientID
        self.accessTokenCacheCapacity = max(0, accessTokenCacheCapacity)
    }

    /// The token endpoint: the `aud` of refresh tokens, so they are never accepted anywhere else.
    public var tokenEndpoint: String {
        (self.issuer.hasSuffix("/") ? String(self.issuer.dropLast()) : self.issuer) + "/oauth/token"
    }

    /// How long revocations must be remembered: as long as an access token issued just before
    /// one can still be accepted.
    public var revocationRetention: Duration {
        self.accessTokenLifetime + self.leeway + .seconds(1)
    }
}
