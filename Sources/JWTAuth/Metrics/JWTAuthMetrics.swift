public import CoreMetrics

/// The metrics of a token server, made once and shared by the session engine, the account
/// manager and the stores: on a request, recording is an increment of a ready-made series.
///
/// Labels come from closed sets only (error codes, revocation reasons, store operations):
/// never a user, a token, an address or free text. Without a metrics backend
/// (`MetricsSystem.bootstrap`, or a `factory` given here) every metric is a no-op.
public struct JWTAuthMetrics: Sendable {
    /// Where the series live.
    public let factory: any MetricsFactory
    /// `jwtauth_logins_total{result}`: password logins, `ok` or the error code.
    public let logins: OutcomeCounter
    /// `jwtauth_refreshes_total{result}`: refresh-token rotations; a reuse is `reuse_detected`.
    public let refreshes: OutcomeCounter
    /// `jwtauth_token_verifications_total{result}`: access tokens checked for a request.
    public let verifications: OutcomeCounter
    /// `jwtauth_rate_limited_total`: logins and password changes refused by the rate limits.
    public let rateLimited: Counter
    /// `jwtauth_revocation_feed_lag_seconds`: how long since revocations were last read.
    public let revocationFeedLag: Gauge
    /// `jwtauth_signing_key_age_seconds`: how long the current signing key has been signing.
    public let signingKeyAge: Gauge
    private let revocations: [String: Counter]
    private let otherRevocation: Counter

    /// The `kind` values of `jwtauth_revocations_total`: the revocation reasons; any other
    /// (an application's own reason) is counted as `other`.
    public static let revocationKinds: [RevocationReason] = [
        .logout, .logoutAll, .userRevoked, .adminRevoked, .disabled, .passwordChanged,
        .reuseDetected, .evicted, .tokenRevoked, .clientRemoved, .userRemoved,
    ]

    /// Makes every series in `factory`; by default in the process's metrics backend.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.logins = OutcomeCounter(name: "jwtauth_logins_total", factory: factory)
        self.refreshes = OutcomeCounter(name: "jwtauth_refreshes_total", factory: factory)
        self.verifications = OutcomeCounter(name: "jwtauth_token_verifications_total", factory: factory)
        self.rateLimited = Counter(label: "jwtauth_rate_limited_total", factory: factory)
        self.revocationFeedLag = Gauge(label: "jwtauth_revocation_feed_lag_seconds", factory: factory)
        self.signingKeyAge = Gauge(label: "jwtauth_signing_key_age_seconds", factory: factory)
        var revocations: [String: Counter] = [:]
        for reason in Self.revocationKinds {
            revocations[reason.rawValue] = Counter(label: "jwtauth_revocations_total", dimensions: [("kind", reason.rawValue)], factory: factory)
        }
        self.revocations = revocations
        self.otherRevocation = Counter(label: "jwtauth_revocations_total", dimensions: [("kind", "other")], factory: factory)
    }

    /// Counts one revocation (of a session, or of all of a user's) by its reason.
    public func revoked(reason: RevocationReason) {
        (self.revocations[reason.rawValue] ?? self.otherRevocation).increment()
    }

    /// Counts one attempt refused by the failed-login limits (`jwtauth_rate_limited_total`).
    public func recordRateLimited() {
        self.rateLimited.increment()
    }

    /// Sets `jwtauth_revocation_feed_lag_seconds`: how long since revocations made elsewhere
    /// were last read (from the store's log, or the issuer's feed for a verifier).
    public func recordRevocationFeedLag(_ lag: Duration) {
        self.revocationFeedLag.record(lag.metricSeconds)
    }

    /// Sets `jwtauth_signing_key_age_seconds`: how long the current signing key has signed.
    public func recordSigningKeyAge(_ age: Duration) {
        self.signingKeyAge.record(age.metricSeconds)
    }

    /// The time series of the store calls of `store` (`sqlite`, `postgres`, `redis`, `memory`).
    public func store(_ store: String, operations: [StoreOperation]) -> StoreMetrics {
        StoreMetrics(store: store, operations: operations, factory: self.factory)
    }
}
