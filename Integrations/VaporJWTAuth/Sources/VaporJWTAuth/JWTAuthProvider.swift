public import JWTAuth
public import JWTAuthHTTP
public import JWTAuthRemote
import Logging
public import Vapor

/// How an app gets its tokens verified (and issued), for ``Application/JWTAuthentication/use(_:)``.
public struct JWTAuthProvider: Sendable {
    let make: @Sendable (Application) async throws -> JWTAuthState

    /// The app issues tokens itself: the token server's engine on the configured stores, and
    /// its routes (``Application/JWTAuthentication/routes()``). Other instances' revocations
    /// are followed from the store from boot to shutdown.
    public static func local(_ configuration: JWTAuthLocalConfiguration) -> JWTAuthProvider {
        JWTAuthProvider { app in
            let logger = app.logger
            let stores = try await LocalStores.open(configuration, logger: logger)
            do {
                let metrics = JWTAuthMetrics()
                let sessions = SessionManager(
                    configuration: configuration.session,
                    keys: configuration.keys,
                    sessions: stores.sessions,
                    users: stores.users,
                    metrics: metrics,
                    logger: logger
                )
                // Revocations made before this start apply at once, and the feed's first
                // readers get them in their snapshot.
                let cursor = try await sessions.loadRevocations()
                let accounts = try await AccountManager(
                    sessions: sessions,
                    hasher: VaporBcryptHasher(cost: configuration.bcryptCost, threadPool: app.threadPool),
                    rateLimiter: LoginRateLimiter(
                        perUsername: configuration.loginLimitPerUsername,
                        perAddress: configuration.loginLimitPerAddress,
                        store: stores.loginLimits
                    ),
                    registrationLimiter: RegistrationRateLimiter(limit: configuration.registrationLimit)
                )
                let endpoints = AuthEndpoints(
                    sessions: sessions,
                    accounts: accounts,
                    jwksMaxAge: configuration.jwksMaxAge,
                    adminRole: configuration.adminRole,
                    allowsRegistration: configuration.allowsRegistration,
                    refreshCookie: configuration.refreshCookie,
                    trustedProxies: try TrustedProxies(configuration.trustedProxies),
                    clients: ClientManager(sessions: sessions, clients: stores.clients),
                    revocationHeartbeat: configuration.revocationHeartbeat
                )
                let sync = RevocationSync(
                    sessions: sessions,
                    pollInterval: configuration.revocationPollInterval,
                    initialCursor: cursor,
                    logger: logger
                )
                return JWTAuthState(
                    verifier: sessions,
                    verifications: metrics.verifications,
                    sessions: sessions,
                    accounts: accounts,
                    endpoints: endpoints,
                    problems: { [] },
                    background: [{ await sync.run() }],
                    close: stores.close
                )
            } catch {
                await stores.close()
                throw error
            }
        }
    }

    /// The app issues tokens with an engine it built itself (its own stores, clock or
    /// hasher). `endpoints`, when given, are what ``Application/JWTAuthentication/routes()``
    /// mounts. With `followsRevocations` the store's revocation log is followed from boot to
    /// shutdown, so revocations by other instances sharing the store apply here.
    public static func sessions(
        _ sessions: SessionManager,
        accounts: AccountManager? = nil,
        endpoints: AuthEndpoints? = nil,
        followsRevocations: Bool = true
    ) -> JWTAuthProvider {
        JWTAuthProvider { app in
            let cursor = try await sessions.loadRevocations()
            let sync = RevocationSync(
                sessions: sessions,
                initialCursor: cursor,
                logger: app.logger
            )
            return JWTAuthState(
                verifier: sessions,
                verifications: sessions.metrics.verifications,
                sessions: sessions,
                accounts: accounts,
                endpoints: endpoints,
                background: followsRevocations ? [{ await sync.run() }] : []
            )
        }
    }

    /// The app verifies tokens that a `jwtauth serve` (or another instance) issues: its keys
    /// from its JWKS (discovered from its metadata, cached, refetched for a new `kid`) and,
    /// with client credentials, its revocations from its feed, so a revoked token is refused
    /// at once. Both are followed from boot to shutdown; until the keys arrive, and whenever
    /// the feed is stale, verification answers 503 rather than 401.
    ///
    /// - Parameters:
    ///   - issuer: The issuer URL (`https://…`; plain `http://` only on loopback).
    ///   - audience: The `aud` tokens must carry; the issuer by default, as the server issues them.
    ///   - clientID: This service's client id for the revocation feed (`jwtauth clients add
    ///     NAME --scope revocations:read`); nil runs without the feed, and then a revoked token
    ///     is accepted until it expires (logged as a warning).
    ///   - clientSecret: That client's secret.
    public static func remote(issuer: String, audience: String? = nil, clientID: String? = nil, clientSecret: String? = nil) -> JWTAuthProvider {
        var revocations: RemoteRevocationsConfiguration? = nil
        if let clientID, let clientSecret {
            revocations = RemoteRevocationsConfiguration(issuer: issuer, clientID: clientID, clientSecret: clientSecret)
        }
        return .remote(keys: RemoteKeySetConfiguration(issuer: issuer), revocations: revocations, audience: audience)
    }

    /// ``remote(issuer:audience:clientID:clientSecret:)`` with every setting of the key set
    /// and the revocation feed reader.
    public static func remote(
        keys keyConfiguration: RemoteKeySetConfiguration,
        revocations revocationConfiguration: RemoteRevocationsConfiguration?,
        audience: String? = nil
    ) -> JWTAuthProvider {
        JWTAuthProvider { app in
            let logger = app.logger
            let keys = try RemoteKeySet(configuration: keyConfiguration, logger: logger)
            let revocations = try revocationConfiguration.map { (configuration) throws(JWTAuthError) in
                try RemoteRevocations(configuration: configuration, keySet: keys, logger: logger)
            }
            if revocations == nil {
                logger.warning("no client credentials: the revocation feed is off, so a revoked token is accepted until it expires")
            }
            let verifier = try RemoteAccessTokenVerifier(keySet: keys, revocations: revocations, audiences: audience.map { Set([$0]) })
            var background: [@Sendable () async -> Void] = [{ try? await keys.run() }]
            if let revocations { background.append({ try? await revocations.run() }) }
            return JWTAuthState(verifier: verifier, problems: { verifier.problems }, background: background)
        }
    }

    /// The app verifies with a verifier it made (for instance a `JWTVerifier`-backed one over
    /// a fixed key set), with nothing to follow in the background.
    public static func verifier(_ verifier: any AccessTokenVerifier) -> JWTAuthProvider {
        JWTAuthProvider { _ in JWTAuthState(verifier: verifier) }
    }
}
