public import JWTAuth

/// Verifies a remote issuer's access tokens offline: the core ``JWTVerifier`` on the keys of a
/// ``RemoteKeySet``, then the revocations of a ``RemoteRevocations`` reader.
///
/// Every rule of the core verifier applies (it *is* the core verifier): strict JOSE parsing,
/// `typ` `at+jwt`, the issuer, an accepted audience, `exp`, `nbf` and `iat` with leeway, and
/// `sub`, `jti`, `iat`, `client_id` required — so a refresh token (`rt+jwt`, another audience)
/// is never accepted. When it cannot tell, it says so instead of guessing:
/// `keys_unavailable` before the first key set and after the maximum stale age,
/// `revocations_stale` while the feed is stale; the Hummingbird `BearerAuthenticator` answers
/// both with 503 and `Retry-After`.
///
/// Wiring it into a Hummingbird app — both services run with the app, and stop with it:
///
/// ```swift
/// import Hummingbird
/// import HummingbirdJWTAuth
/// import JWTAuthRemote
///
/// let issuer = "https://auth.example.com"
/// let keys = try RemoteKeySet(configuration: RemoteKeySetConfiguration(issuer: issuer))
/// let revocations = try RemoteRevocations(
///     configuration: RemoteRevocationsConfiguration(
///         issuer: issuer, clientID: clientID, clientSecret: clientSecret),
///     keySet: keys)
/// let verifier = try RemoteAccessTokenVerifier(
///     keySet: keys, revocations: revocations, audiences: ["orders-api"])
///
/// let router = Router(context: JWTAuthContext.self)
/// router.add(middleware: ErrorMiddleware(logger: logger))
/// router.group("api")
///     .add(middleware: BearerAuthenticator(verifier: verifier))
///     .add(middleware: RequireAuthenticationMiddleware())
///     .get("orders") { _, context in try await orders(for: context.requireIdentity()) }
/// var app = Application(router: router)
/// app.addServices(keys, revocations)
/// try await app.runService()
/// ```
///
/// A health route can report ``RemoteKeySet/status`` and ``RemoteRevocations/status``.
public struct RemoteAccessTokenVerifier: AccessTokenVerifier {
    /// Where the keys come from.
    public let keySet: RemoteKeySet
    /// Where the revocations come from; nil checks none (revoked tokens then live until they
    /// expire).
    public let revocations: RemoteRevocations?
    /// What the claims must satisfy.
    public var policy: JWTValidationPolicy { self.verifier.policy }

    private let verifier: JWTVerifier

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - keySet: The issuer's keys.
    ///   - revocations: The issuer's revocation feed; nil to check no revocations.
    ///   - issuer: The `iss` required; nil takes the key set's configured issuer.
    ///   - audiences: The audiences accepted (the token's `aud` must contain one); nil accepts
    ///     the issuer itself, which is what the token server issues by default.
    ///   - leeway: Clock skew tolerated (default 60 s, at most 300 s).
    ///   - cacheCapacity: How many verified tokens to remember, so that a token presented
    ///     again skips the signature check (default 10,000; its time rules, its key still being
    ///     in the set, and revocation are checked on every use).
    ///   - clock: Where "now" comes from.
    /// - Throws: `invalid_input` when there is no issuer to require, or no audience.
    public init(
        keySet: RemoteKeySet,
        revocations: RemoteRevocations?,
        issuer: String? = nil,
        audiences: Set<String>? = nil,
        leeway: Duration = .seconds(60),
        cacheCapacity: Int = 10_000,
        clock: any UnixClock = SystemClock()
    ) throws(JWTAuthError) {
        guard let issuer = issuer ?? keySet.configuration.issuer, !issuer.isEmpty else {
            throw JWTAuthError(.invalidInput, "a remote verifier needs the issuer whose tokens it accepts")
        }
        let audiences = audiences ?? [issuer]
        guard !audiences.isEmpty else {
            throw JWTAuthError(.invalidInput, "a remote verifier needs at least one audience")
        }
        // A revocation is remembered for the feed reader's retention: a token that could
        // outlive it would be accepted again after its revocation is forgotten, so such a token
        // is refused (`too_old`) rather than trusted.
        let clampedLeeway = min(max(leeway, .zero), JWTValidationPolicy.maximumLeeway)
        let maximumAge = revocations.map { max(.seconds(1), $0.configuration.retention - clampedLeeway) }
        self.keySet = keySet
        self.revocations = revocations
        self.verifier = JWTVerifier(
            keyRing: keySet.keyRing,
            policy: JWTValidationPolicy(
                issuer: issuer,
                audiences: audiences,
                types: [JWTValidationPolicy.accessTokenType],
                leeway: leeway,
                requiredClaims: ["sub", "jti", "iat", "client_id"],
                maximumAge: maximumAge
            ),
            clock: clock,
            cacheCapacity: max(0, cacheCapacity)
        )
    }

    /// Why tokens cannot be verified right now — no usable keys, a stale revocation feed — for
    /// a health route; empty when they can.
    public var problems: [String] {
        var problems: [String] = []
        let keyStatus = self.keySet.status
        if !keyStatus.hasUsableKeys {
            problems.append("no usable keys: " + (keyStatus.unusableReason ?? "the JWKS has not been fetched"))
        }
        if let status = self.revocations?.status, status.isStale {
            problems.append("revocation feed stale: " + (status.staleReason ?? "nothing heard"))
        }
        return problems
    }

    /// Verifies an access token: keys usable, signature and claims, then (with a feed) fresh
    /// revocations and no revocation of its session, subject or key.
    ///
    /// A token naming a key the set does not hold gets one look for new keys (limited by the
    /// key set's cooldown), and is verified again if the set changed. So does a token whose
    /// algorithm no key in the set has: the issuer may have rotated to another algorithm.
    ///
    /// - Throws: ``JWTAuthError``: a verification code, `revoked`, or `keys_unavailable` /
    ///   `revocations_stale` when it cannot tell.
    public func verify(accessToken token: Substring) async throws(JWTAuthError) -> AccessToken {
        try self.keySet.checkUsable()
        let verified: VerifiedJWT
        do {
            verified = try self.verifier.verify(token)
        } catch let error where error.code == .keyUnknown || error.code == .algorithmRejected {
            guard await self.keySet.keyRing.resolveUnknownKey() else { throw error }
            try self.keySet.checkUsable()
            verified = try self.verifier.verify(token)
        }
        let accessToken = try AccessToken(verified: verified)
        if let revocations = self.revocations {
            try revocations.checkFresh()
            if revocations.isRevoked(accessToken) {
                throw JWTAuthError(.revoked, accessToken.isUserToken ? "the token's session has been revoked" : "the client's tokens have been revoked")
            }
        }
        return accessToken
    }
}
