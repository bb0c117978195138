import Foundation
public import HummingbirdJWTAuth
public import JWTAuth

/// Everything `jwtauth serve` can be told, as a plain value with the defaults the README lists.
/// Read once at the edge (flags, then `JWTAUTH_*` variables); tests build it directly.
public struct ServerConfiguration: Sendable {
    /// The address to listen on (default `127.0.0.1`, loopback only).
    public var host: String {
        didSet { self.followAddress() }
    }
    /// The TCP port to listen on (default 8080).
    public var port: Int {
        didSet { self.followAddress() }
    }
    /// Where the SQLite file and, by default, the keys live.
    public var dataDirectory: String
    /// A directory of key files (`signing.jwk` and retired `*.jwk`) to sign with instead of the
    /// database's keys; instances sharing it sign with the same keys. Nil: keys live in the
    /// database, rotate on a schedule, and are sealed under the key-encryption key.
    public var keysDirectory: String?
    /// The file holding the 32-byte key that seals signing keys in the database. Every instance
    /// sharing a database needs the same one, so it is required for any database but the
    /// default SQLite file under the data directory; for that one nil means
    /// `DATA/keys/key-encryption.key`, created (mode 0600 in a 0700 `DATA/keys`) on the first
    /// start — or `DATA/key-encryption.key` where an earlier version created it.
    public var keyEncryptionKeyFile: String?
    /// How long a signing key signs before the next one takes over (default 30 days; zero:
    /// only by hand, `jwtauth keys rotate`). A schedule that would keep more than
    /// ``SigningKeySchedule/maximumPublishedKeys`` keys published is refused at start.
    public var keyRotationInterval: Duration
    /// How long a new key is published in the JWKS before it signs (default one hour); the
    /// JWKS's cache lifetime is never longer.
    public var keyPublishAhead: Duration
    /// How often the database's keys are read for changes made by other instances or the CLI.
    public var keyPollInterval: Duration
    /// How often a keys directory is checked for changed files.
    public var keysDirectoryPollInterval: Duration
    /// `sqlite:PATH` or `postgres://…`; SQLite under the data directory by default.
    public var database: String?
    /// `redis://…` or `redis+cluster://…` to keep sessions in Redis (users stay in SQL);
    /// `rediss://…` and `rediss+cluster://…` for TLS (see the README).
    public var sessions: String?
    /// The session engine's settings: issuer and audience, access-token, refresh-token and
    /// session lifetimes (5 min, 6 h, 30 d), the refresh reuse interval (0 s), the clock leeway
    /// (60 s) and sessions per user (20). Its issuer follows ``host`` and ``port`` until one is
    /// set (see ``issuer``), and its audience follows the issuer until one is set.
    public var session: SessionConfiguration
    /// Whether ``session``'s issuer is `http://HOST:PORT`, kept in step with the address.
    private var issuerFollowsAddress: Bool
    /// Whether ``session``'s audience is its issuer, kept in step with it.
    private var audienceFollowsIssuer: Bool
    /// The algorithm of a newly created signing key; an existing key keeps its own.
    public var algorithm: JWSAlgorithm?
    /// bcrypt work factor (at least 10 outside tests).
    public var bcryptCost: UInt8
    /// Whether `POST /auth/register` is open (default true).
    public var allowsRegistration: Bool
    /// How often other instances' revocations are read from a store without a push feed.
    public var revocationPollInterval: Duration
    /// How long `GET /oauth/revocations` may stay silent before it sends a heartbeat (default
    /// 15 s); readers fail closed when they hear nothing for their stale limit.
    public var revocationHeartbeat: Duration
    /// Failed logins allowed per username (default 10 per 15 min).
    public var loginLimitPerUsername: LoginRateLimiter.Limit
    /// Failed logins allowed per client address (default 100 per 15 min).
    public var loginLimitPerAddress: LoginRateLimiter.Limit
    /// Cookie mode for every login (`--refresh-cookie`), not only those that ask for it.
    public var refreshCookieByDefault: Bool
    /// Origins allowed to use the refresh cookie, besides the issuer's own.
    public var allowedOrigins: [String]
    /// Reverse proxies (addresses or networks such as `10.0.0.0/8`) whose `X-Forwarded-For`
    /// names the client for the per-address login limit; empty: the peer is the client.
    public var trustedProxies: [String]
    /// Whether `/` serves the sign-in page.
    public var servesWebPage: Bool
    /// How long audit events are kept (`--audit-retention`, default 90 days); nil keeps them.
    public var auditRetention: Duration? = .seconds(90 * 86400)
    /// Whether every audit event is also written to standard output as one JSON line
    /// (`--audit-log stdout`), for a log shipper.
    public var auditLogToStandardOutput = false
    /// How long a new connection may take to send its first request's headers
    /// (`--header-timeout`, default 10 s); a client that never finishes them is disconnected
    /// instead of holding a connection open for ever.
    public var headerReadTimeout: Duration = .seconds(10)
    /// How long a connection may stay idle between requests, or in the middle of a request's
    /// headers after the first (`--idle-timeout`, default 60 s). A response being written, such
    /// as the revocation feed's stream, is never idle.
    public var idleTimeout: Duration = .seconds(60)
    /// Registrations allowed per client address (`--register-limit`, default 10 per hour),
    /// taken or not: each costs a bcrypt hash, and a 409 tells whether a name exists.
    public var registrationLimit = LoginRateLimiter.Limit(attempts: 10, window: .seconds(3600))
    /// `HOST:PORT` of a separate listener answering `GET /metrics` in the Prometheus text
    /// format (`--metrics-listen`); nil (the default) serves no metrics.
    public var metricsListen: String?

    /// Creates a configuration; each parameter sets the property of the same name, `issuer` and
    /// `audience` those of ``session`` (nil: the address, the issuer). The session engine's other
    /// settings start at their defaults: change them through ``session``.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: String = "./data",
        keysDirectory: String? = nil,
        keyEncryptionKeyFile: String? = nil,
        keyRotationInterval: Duration = .seconds(30 * 86400),
        keyPublishAhead: Duration = .seconds(3600),
        keyPollInterval: Duration = .seconds(1),
        keysDirectoryPollInterval: Duration = .seconds(2),
        database: String? = nil,
        sessions: String? = nil,
        issuer: String? = nil,
        audience: String? = nil,
        algorithm: JWSAlgorithm? = nil,
        bcryptCost: UInt8 = 11,
        allowsRegistration: Bool = true,
        revocationPollInterval: Duration = .milliseconds(50),
        revocationHeartbeat: Duration = .seconds(15),
        loginLimitPerUsername: LoginRateLimiter.Limit = .init(attempts: 10, window: .seconds(900)),
        loginLimitPerAddress: LoginRateLimiter.Limit = .init(attempts: 100, window: .seconds(900)),
        refreshCookieByDefault: Bool = false,
        allowedOrigins: [String] = [],
        trustedProxies: [String] = [],
        servesWebPage: Bool = true
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.keysDirectory = keysDirectory
        self.keyEncryptionKeyFile = keyEncryptionKeyFile
        self.keyRotationInterval = keyRotationInterval
        self.keyPublishAhead = keyPublishAhead
        self.keyPollInterval = keyPollInterval
        self.keysDirectoryPollInterval = keysDirectoryPollInterval
        self.database = database
        self.sessions = sessions
        let address = Self.addressIssuer(host: host, port: port)
        self.session = SessionConfiguration(issuer: issuer ?? address, audience: audience)
        self.issuerFollowsAddress = issuer == nil
        self.audienceFollowsIssuer = audience == nil
        self.algorithm = algorithm
        self.bcryptCost = bcryptCost
        self.allowsRegistration = allowsRegistration
        self.revocationPollInterval = revocationPollInterval
        self.revocationHeartbeat = revocationHeartbeat
        self.loginLimitPerUsername = loginLimitPerUsername
        self.loginLimitPerAddress = loginLimitPerAddress
        self.refreshCookieByDefault = refreshCookieByDefault
        self.allowedOrigins = allowedOrigins
        self.trustedProxies = trustedProxies
        self.servesWebPage = servesWebPage
    }

    /// `iss` as configured, or nil when it is the server's own address (`http://HOST:PORT`,
    /// following ``host`` and ``port``). Setting it sets ``session``'s issuer.
    public var issuer: String? {
        get { self.issuerFollowsAddress ? nil : self.session.issuer }
        set {
            self.issuerFollowsAddress = newValue == nil
            self.session.issuer = newValue ?? Self.addressIssuer(host: self.host, port: self.port)
            if self.audienceFollowsIssuer { self.session.audience = self.session.issuer }
        }
    }

    /// `aud` of access tokens as configured, or nil when it is the issuer. Setting it sets
    /// ``session``'s audience.
    public var audience: String? {
        get { self.audienceFollowsIssuer ? nil : self.session.audience }
        set {
            self.audienceFollowsIssuer = newValue == nil
            self.session.audience = newValue ?? self.session.issuer
        }
    }

    /// The issuer in effect.
    public var effectiveIssuer: String { self.session.issuer }

    /// `http://HOST:PORT`, brackets around an IPv6 host.
    static func addressIssuer(host: String, port: Int) -> String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Keeps a derived issuer (and the audience that follows it) in step with the address.
    private mutating func followAddress() {
        guard self.issuerFollowsAddress else { return }
        self.session.issuer = Self.addressIssuer(host: self.host, port: self.port)
        if self.audienceFollowsIssuer { self.session.audience = self.session.issuer }
    }

    /// The keys directory in effect: the configured one, else `DATA/keys` — where key files
    /// of a data directory from before keys moved into the database are imported from.
    public var effectiveKeysDirectory: String {
        self.keysDirectory ?? Self.join(self.dataDirectory, "keys")
    }

    /// Whether keys come from files (`--keys-dir` given) rather than the database.
    public var usesKeyFiles: Bool { self.keysDirectory != nil }

    /// The key-encryption key file in effect: the configured one; for the default database
    /// without one, the data directory's (see ``keyEncryptionKeyFile``); nil when none is
    /// configured for another database, which the server refuses.
    public var effectiveKeyEncryptionKeyFile: String? {
        try? KeyEncryptionKeyFile.location(self).path
    }

    /// When signing keys move from `next` to `current` to `retired` and are forgotten: this
    /// configuration's rotation interval and publish-ahead, and retired keys kept until the
    /// longest-lived token they signed has expired.
    public var signingKeySchedule: SigningKeySchedule {
        SigningKeySchedule(
            rotationInterval: self.keyRotationInterval,
            publishAhead: self.keyPublishAhead,
            sessions: self.session
        )
    }

    /// The `max-age` of the JWKS: at most five minutes, and never longer than a new key is
    /// published before it signs, so a cache always holds the next key in time.
    public var jwksMaxAge: Duration {
        self.usesKeyFiles ? .seconds(300) : min(.seconds(300), self.keyPublishAhead)
    }

    /// The database URL in effect.
    public var effectiveDatabase: String {
        self.database ?? self.defaultDatabase
    }

    /// Whether the database is the zero-configuration default: the SQLite file under the data
    /// directory (not given, or given as exactly that).
    public var usesDefaultDatabase: Bool {
        self.effectiveDatabase == self.defaultDatabase
    }

    private var defaultDatabase: String {
        "sqlite:" + Self.join(self.dataDirectory, "jwtauth.sqlite")
    }

    /// The refresh-cookie settings: the issuer's origin and the configured ones are allowed;
    /// an `http://` issuer on loopback is local development (no `Secure`, same-origin allowed).
    public var refreshCookie: RefreshCookie {
        let issuer = self.effectiveIssuer
        return RefreshCookie(
            appliesToEveryLogin: self.refreshCookieByDefault,
            allowedOrigins: self.allowedOrigins + [issuer],
            isLocalDevelopment: self.isLocalDevelopment
        )
    }

    /// Whether `text` is an origin (`scheme://host[:port]`, http or https) and nothing more — no
    /// path, query or user info, which would never match what a browser sends.
    public static func isOrigin(_ text: String) -> Bool {
        guard RefreshCookie.origin(of: text) != nil, let schemeEnd = text.range(of: "://") else { return false }
        return !text[schemeEnd.upperBound...].contains(where: { "/?#@".contains($0) })
    }

    /// An `http://` issuer on loopback: a developer's machine, where the refresh cookie goes
    /// without `Secure` (there is no HTTPS to send it over).
    public var isLocalDevelopment: Bool {
        guard let origin = RefreshCookie.origin(of: self.effectiveIssuer), origin.hasPrefix("http://") else { return false }
        let host = RefreshCookie.hostName(ofAuthority: origin.dropFirst("http://".count))
        return RefreshCookie.loopbackHosts.contains(String(host))
    }

    /// The session-engine settings these flags describe (``session``).
    @available(*, deprecated, renamed: "session")
    public var sessionConfiguration: SessionConfiguration { self.session }
}

extension ServerConfiguration {
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
