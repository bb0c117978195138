public import JWTAuth
public import JWTAuthHTTP

/// An app that issues its own tokens: the token server's engine and routes inside a Vapor
/// app, on the same stores and with the same settings (and defaults) as `jwtauth serve`.
///
/// ```swift
/// let key = try JWTKey(jwk: signingKeyJWK)
/// var configuration = JWTAuthLocalConfiguration(
///     session: SessionConfiguration(issuer: "https://auth.example.com"),
///     keys: try KeyRing(signingKey: key, verificationKeys: JWTKeySet(key.publicKey ?? key)),
///     database: "postgres://jwtauth@db.internal/jwtauth?sslmode=verify-full&sslrootcert=/etc/ca.pem"
/// )
/// configuration.sessionStore = "redis://cache.internal:6379"
/// try await app.jwtAuth.use(.local(configuration))
/// ```
public struct JWTAuthLocalConfiguration: Sendable {
    /// Issuer, audience, token lifetimes, reuse interval, leeway and sessions per user.
    public var session: SessionConfiguration
    /// The signing key and the keys accepted when verifying (and published in the JWKS). Every
    /// instance of the app needs the same ones; rotate by updating the ring.
    public var keys: KeyRing
    /// Users (and, without ``sessionStore``, sessions): `memory` (tests, throwaway runs),
    /// `sqlite:PATH` (one process) or `postgres://…` (several instances).
    public var database: String
    /// `redis://…`, `rediss://…` (TLS), `redis+cluster://…` or `rediss+cluster://…` to keep
    /// sessions in Redis (users stay in ``database``).
    public var sessionStore: String?
    /// bcrypt work factor (default 11; at least 10 outside tests).
    public var bcryptCost: Int
    /// Whether `POST /auth/register` is open (default true).
    public var allowsRegistration: Bool
    /// The role that may call `/admin/*` and `/oauth/introspect` (default `admin`).
    public var adminRole: String
    /// Failed logins allowed per username (default 10 per 15 min).
    public var loginLimitPerUsername: LoginRateLimiter.Limit
    /// Failed logins allowed per client address (default 100 per 15 min).
    public var loginLimitPerAddress: LoginRateLimiter.Limit
    /// Registrations allowed per client address (default 10 per hour).
    public var registrationLimit: LoginRateLimiter.Limit
    /// How long caches may keep the JWKS (default 5 min).
    public var jwksMaxAge: Duration
    /// Cookie-mode settings for browser clients.
    public var refreshCookie: RefreshCookie
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client for
    /// the per-address limits; empty: the peer is the client.
    public var trustedProxies: [String]
    /// How often other instances' revocations are read from a store without a push channel
    /// (SQLite; default 50 ms).
    public var revocationPollInterval: Duration
    /// How long `GET /oauth/revocations` may stay silent before it sends a heartbeat (default 15 s).
    public var revocationHeartbeat: Duration

    /// Creates a configuration with the token server's defaults; each parameter sets the
    /// property of the same name.
    public init(
        session: SessionConfiguration,
        keys: KeyRing,
        database: String = "memory",
        sessionStore: String? = nil,
        bcryptCost: Int = 11,
        allowsRegistration: Bool = true,
        adminRole: String = "admin",
        loginLimitPerUsername: LoginRateLimiter.Limit = .init(attempts: 10, window: .seconds(900)),
        loginLimitPerAddress: LoginRateLimiter.Limit = .init(attempts: 100, window: .seconds(900)),
        registrationLimit: LoginRateLimiter.Limit = .init(attempts: 10, window: .seconds(3600)),
        jwksMaxAge: Duration = .seconds(300),
        refreshCookie: RefreshCookie = RefreshCookie(),
        trustedProxies: [String] = [],
        revocationPollInterval: Duration = .milliseconds(50),
        revocationHeartbeat: Duration = .seconds(15)
    ) {
        self.session = session
        self.keys = keys
        self.database = database
        self.sessionStore = sessionStore
        self.bcryptCost = bcryptCost
        self.allowsRegistration = allowsRegistration
        self.adminRole = adminRole
        self.loginLimitPerUsername = loginLimitPerUsername
        self.loginLimitPerAddress = loginLimitPerAddress
        self.registrationLimit = registrationLimit
        self.jwksMaxAge = jwksMaxAge
        self.refreshCookie = refreshCookie
        self.trustedProxies = trustedProxies
        self.revocationPollInterval = revocationPollInterval
        self.revocationHeartbeat = revocationHeartbeat
    }
}
