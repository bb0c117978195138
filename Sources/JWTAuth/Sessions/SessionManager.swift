public import Logging

/// The session engine: issues token pairs, rotates refresh tokens with reuse detection,
/// revokes, and verifies access tokens against the revocation cache.
///
/// One per process, shared by every request; it is a `Sendable` value whose state lives in the
/// store and in the ``RevocationCache``. Time comes from the injected clock.
public struct SessionManager: Sendable {
    /// The lifetimes, issuer, audience and limits tokens are issued and verified with.
    public let configuration: SessionConfiguration
    /// Where sessions are stored.
    public let sessions: any SessionStore
    /// Where user accounts are stored.
    public let users: any UserStore
    /// The in-memory revocations checked on every access-token verification.
    public let revocations: RevocationCache
    /// The revocations as a stream for other services (`GET /oauth/revocations`): revocations
    /// made here go out at once, and the store's log fills its journal through
    /// ``loadRevocations(after:)``.
    public let feed: RevocationFeed
    /// The source of the current time for issuing and verifying tokens.
    public let clock: any UnixClock
    /// The signing key and the verification keys, which may change while the manager runs
    /// (key rotation): every token is signed and verified with the ring's keys of the moment.
    public let keys: KeyRing
    /// Where security events (logins, logouts, revocations, reuse) are reported.
    public let audit: any AuditLog
    /// Where logins, refreshes, verifications and revocations are counted (no-ops unless a
    /// metrics backend was bootstrapped before this manager was made, or one was given).
    public let metrics: JWTAuthMetrics
    private let accessVerifier: JWTVerifier
    private let refreshVerifier: JWTVerifier
    private let logger: Logger

    /// Creates a session manager that signs with `signingKey` and keeps its state in the stores.
    ///
    /// - Parameters:
    ///   - signingKey: The private key tokens are signed with.
    ///   - verificationKeys: Keys accepted when verifying (the signing key's public half plus
    ///     retired keys still in use); defaults to the signing key alone.
    ///   - audit: Where security events are reported (none are kept by default).
    public init(
        configuration: SessionConfiguration,
        signingKey: JWTKey,
        verificationKeys: JWTKeySet? = nil,
        sessions: any SessionStore,
        users: any UserStore,
        revocations: RevocationCache? = nil,
        feed: RevocationFeed? = nil,
        clock: any UnixClock = SystemClock(),
        audit: any AuditLog = DiscardingAuditLog(),
        metrics: JWTAuthMetrics = JWTAuthMetrics(),
        logger: Logger = Logger(label: "jwtauth.sessions")
    ) throws(JWTAuthError) {
        self.init(
            configuration: configuration,
            keys: try KeyRing(signingKey: signingKey, verificationKeys: verificationKeys ?? JWTKeySet(signingKey.publicKey ?? signingKey)),
            sessions: sessions,
            users: users,
            revocations: revocations,
            feed: feed,
            clock: clock,
            audit: audit,
            metrics: metrics,
            logger: logger
        )
    }

    /// Creates a session manager whose keys come from a ring that its owner updates (a key
    /// store rotating keys on a schedule). The ring must hold a signing key before the first
    /// token is issued. Security events go to `audit` (none are kept by default).
    public init(
        configuration: SessionConfiguration,
        keys: KeyRing,
        sessions: any SessionStore,
        users: any UserStore,
        revocations: RevocationCache? = nil,
        feed: RevocationFeed? = nil,
        clock: any UnixClock = SystemClock(),
        audit: any AuditLog = DiscardingAuditLog(),
        metrics: JWTAuthMetrics = JWTAuthMetrics(),
        logger: Logger = Logger(label: "jwtauth.sessions")
    ) {
        self.configuration = configuration
        self.sessions = sessions
        self.users = users
        self.revocations = revocations ?? RevocationCache(retention: configuration.revocationRetention)
        self.feed = feed ?? RevocationFeed(retention: configuration.revocationRetention, clock: clock)
        self.clock = clock
        self.audit = audit
        self.metrics = metrics
        self.logger = logger
        self.keys = keys
        // Both kinds of token carry the same claims; they differ in `aud` and `typ`, so
        // neither is accepted as the other. Only a user's tokens belong to a session: a
        // client-credentials access token has no `sid`.
        func policy(audience: String, type: String, required: [String]) -> JWTValidationPolicy {
            JWTValidationPolicy(
                issuer: configuration.issuer,
                audiences: [audience],
                types: [type],
                leeway: configuration.leeway,
                requiredClaims: required
            )
        }
        self.accessVerifier = JWTVerifier(
            keyRing: keys,
            policy: policy(audience: configuration.audience, type: JWTValidationPolicy.accessTokenType, required: ["sub", "jti", "iat", "client_id"]),
            clock: clock,
            cacheCapacity: configuration.accessTokenCacheCapacity
        )
        // Refresh tokens are used once each: nothing to gain from remembering them.
        self.refreshVerifier = JWTVerifier(
            keyRing: keys,
            policy: policy(
                audience: configuration.tokenEndpoint,
                type: JWTValidationPolicy.refreshTokenType,
                required: ["sub", "sid", "jti", "iat", "client_id"]
            ),
            clock: clock
        )
    }

    /// The signer of the moment.
    var signer: JWTSigner {
        get throws(JWTAuthError) {
            guard let signer = self.keys.snapshot().signer else {
                throw JWTAuthError(.keyInvalid, "the key ring holds no signing key")
            }
            return signer
        }
    }

    // MARK: - Issuing

    /// Starts a session for `user` (after the password was checked) and issues its first pair.
    ///
    /// - Throws: `invalid_input` for a `clientID` that starts with
    ///   ``ClientManager/clientIDPrefix``; `store_unavailable`.
    public func createSession(for user: UserRecord, clientID: String?, userAgent: String?) async throws -> TokenResponse {
        try Self.refuseMachineClientID(clientID ?? self.configuration.defaultClientID)
        let now = self.clock.now
        let issuedAt = NumericDate(now.wholeSeconds)
        let expiresAt = issuedAt + self.configuration.sessionLifetime
        let session = SessionRecord(
            id: RandomIdentifier.make(),
            userID: user.id,
            clientID: clientID ?? self.configuration.defaultClientID,
            userAgent: userAgent,
            createdAt: now,
            lastUsedAt: now,
            expiresAt: expiresAt,
            refreshExpiresAt: min(issuedAt + self.configuration.refreshTokenLifetime, expiresAt),
            rotatedAt: issuedAt,
            currentTokenID: RandomIdentifier.make()
        )
        let evicted = try await self.sessions.createSession(session, maximumPerUser: self.configuration.maximumSessionsPerUser)
        self.didRevoke(evicted.map { RevocationEvent(kind: .session, subject: $0.id, at: now) })
        for _ in evicted { self.metrics.revoked(reason: .evicted) }
        return try self.tokens(for: session, user: user, now: now)
    }

    /// Trades a refresh token for a new pair: stateless checks first, then the store's atomic
    /// compare-and-rotate. A rotated-away token revokes the whole session.
    ///
    /// - Parameters:
    ///   - refreshToken: The refresh token presented.
    ///   - expectedClientID: When given, the token must have been issued to this `client_id`
    ///     (`claim_invalid` otherwise, and the token stays unused).
    ///   - origin: Where the request came from, for the audit log of a detected reuse.
    /// - Throws: `session_unknown`, `session_revoked`, `session_expired`, `refresh_reused`, a
    ///   verification code for a bad token, `store_unavailable` when the store is down.
    public func refresh(_ refreshToken: String, clientID expectedClientID: String? = nil, origin: AuditOrigin = AuditOrigin()) async throws -> TokenResponse {
        do {
            let tokens = try await self.rotate(refreshToken, clientID: expectedClientID, origin: origin)
            self.metrics.refreshes.succeeded()
            return tokens
        } catch {
            self.metrics.refreshes.failed(error)
            throw error
        }
    }

    private func rotate(_ refreshToken: String, clientID expectedClientID: String?, origin: AuditOrigin) async throws -> TokenResponse {
        let token = try await self.verifyRefreshToken(Substring(refreshToken))
        guard let sessionID = token.claims.sessionID, let tokenID = token.claims.tokenID, let userID = token.claims.subject else {
            throw JWTAuthError(.claimMissing, "the refresh token lacks sid, jti or sub")
        }
        // Before the rotation: a refused request must not use the token up, or the real
        // client's next refresh would look like reuse and end the session.
        if let expectedClientID, token.claims.clientID != expectedClientID {
            throw JWTAuthError(.claimInvalid, "the refresh token was issued to another client")
        }
        // The user first: if their store is down the refresh fails before the token is used
        // up (a rotation committed behind a 503 would make the client's retry look like reuse).
        // Roles may also have changed since login.
        let user = try await self.users.user(id: userID)
        let now = self.clock.now
        let request = RotationRequest(
            sessionID: sessionID,
            userID: userID,
            presentedTokenID: tokenID,
            newTokenID: RandomIdentifier.make(),
            now: now,
            refreshLifetime: self.configuration.refreshTokenLifetime,
            reuseInterval: self.configuration.reuseInterval
        )
        let session: SessionRecord
        switch try await self.sessions.rotate(request) {
        case .rotated(let rotated), .reissued(let rotated):
            session = rotated
        case .reuseDetected(let revoked):
            self.didRevoke([RevocationEvent(kind: .session, subject: revoked.id, at: now)])
            self.metrics.revoked(reason: .reuseDetected)
            self.logger.warning(
                "refresh token reuse detected; session revoked",
                metadata: ["sid": "\(revoked.id)", "sub": "\(revoked.userID)", "client_id": "\(revoked.clientID)"]
            )
            self.audit.record(
                origin.event(
                    .refreshReuseDetected,
                    at: now,
                    userID: revoked.userID,
                    sessionID: revoked.id,
                    clientID: revoked.clientID,
                    outcome: "session_revoked"
                )
            )
            throw JWTAuthError(.refreshReused, "the refresh token was already used; the session has been revoked")
        case .rejected(.unknownSession):
            throw JWTAuthError(.sessionUnknown, "the refresh token's session does not exist")
        case .rejected(.revoked):
            throw JWTAuthError(.sessionRevoked, "the session has been revoked")
        case .rejected(.expired):
            throw JWTAuthError(.sessionExpired, "the session has expired")
        }
        guard session.userID == userID else {
            throw JWTAuthError(.sessionUnknown, "the refresh token does not belong to its session")
        }
        // A disabled user has no sessions left, but a disable racing this refresh is caught here.
        guard let user, !user.isDisabled else {
            _ = try await self.sessions.revokeSession(id: session.id, userID: session.userID, at: now, reason: .disabled)
            self.didRevoke([RevocationEvent(kind: .session, subject: session.id, at: now)])
            self.metrics.revoked(reason: .disabled)
            throw JWTAuthError(.sessionRevoked, "the session's user is disabled or gone")
        }
        return try self.tokens(for: session, user: user, now: now)
    }

    /// Refuses a user's `client_id` that has the form of a machine client's id: a token
    /// carrying it would pass for that client wherever `client_id` is trusted.
    static func refuseMachineClientID(_ clientID: String) throws(JWTAuthError) {
        guard !clientID.hasPrefix(ClientManager.clientIDPrefix) else {
            throw .invalidInput("a client_id starting with \(ClientManager.clientIDPrefix) is a machine client's; a user's login cannot use it")
        }
    }

    /// The claim that carries the username in access tokens (OpenID Connect's name for it),
    /// so `/api/me` and other services need no user lookup.
    public static let usernameClaim = "preferred_username"

    /// Signs the access token and the session's current refresh token.
    private func tokens(for session: SessionRecord, user: UserRecord, now: NumericDate) throws(JWTAuthError) -> TokenResponse {
        let issuedAt = NumericDate(now.wholeSeconds)
        let accessExpiry = issuedAt + self.configuration.accessTokenLifetime
        let access = JWTClaims(
            issuer: self.configuration.issuer,
            subject: session.userID,
            audience: [self.configuration.audience],
            expiresAt: accessExpiry,
            notBefore: issuedAt,
            issuedAt: issuedAt,
            tokenID: RandomIdentifier.make(),
            sessionID: session.id,
            clientID: session.clientID,
            roles: user.roles
        )
        // The refresh token is rebuilt from the session record alone (iat = rotation time,
        // exp = idle deadline), so a reissue inside the reuse interval yields the same successor.
        let refresh = JWTClaims(
            issuer: self.configuration.issuer,
            subject: session.userID,
            audience: [self.configuration.tokenEndpoint],
            expiresAt: session.refreshExpiresAt,
            issuedAt: session.rotatedAt,
            tokenID: session.currentTokenID,
            sessionID: session.id,
            clientID: session.clientID
        )
        let signer = try self.signer
        return TokenResponse(
            accessToken: try signer.sign(
                access,
                additionalClaims: [Self.usernameClaim: .string(user.username)],
                type: JWTValidationPolicy.accessTokenType
            ),
            expiresIn: Int(self.configuration.accessTokenLifetime.seconds),
            refreshToken: try signer.sign(refresh, type: JWTValidationPolicy.refreshTokenType),
            refreshExpiresIn: max(0, Int((session.refreshExpiresAt.secondsSinceEpoch - now.secondsSinceEpoch).rounded(.down))),
            session: session
        )
    }

    // MARK: - Verifying

    /// Verifies an access token: signature, claims policy (typ `at+jwt`, issuer, audience,
    /// lifetime), then the revocation cache. Never touches the store.
    ///
    /// - Throws: a verification code, or `revoked` when its session or user was revoked.
    public func verifyAccessToken(_ token: String) throws(JWTAuthError) -> AccessToken {
        try self.checkRevocation(try self.accessVerifier.verify(token))
    }

    /// Verifies an access token given as a substring (e.g. after `Bearer `).
    public func verifyAccessToken(_ token: Substring) throws(JWTAuthError) -> AccessToken {
        try self.checkRevocation(try self.accessVerifier.verify(token))
    }

    private func checkRevocation(_ verified: VerifiedJWT) throws(JWTAuthError) -> AccessToken {
        let token = try AccessToken(verified: verified)
        if self.revocations.isRevoked(sessionID: token.sessionID, userID: token.userID, issuedAt: verified.claims.issuedAt, now: self.clock.now) {
            throw JWTAuthError(.revoked, token.isUserToken ? "the token's session has been revoked" : "the client's tokens have been revoked")
        }
        return token
    }

    /// Verifies a refresh token's signature and claims without touching the store.
    public func verifyRefreshToken(_ token: String) throws(JWTAuthError) -> VerifiedJWT {
        try self.refreshVerifier.verify(token)
    }

    /// Verifies a refresh token; a token signed by a key this instance has not loaded yet
    /// (another instance rotated) gets one look for new keys first.
    func verifyRefreshToken(_ token: Substring) async throws(JWTAuthError) -> VerifiedJWT {
        do {
            return try self.refreshVerifier.verify(token)
        } catch let error where error.code == .keyUnknown {
            guard await self.keys.resolveUnknownKey() else { throw error }
            return try self.refreshVerifier.verify(token)
        }
    }

    // MARK: - Revoking

    /// Logout: revokes the session of a refresh token whose signature verifies. Idempotent.
    public func logout(refreshToken: String, origin: AuditOrigin = AuditOrigin()) async throws {
        let token = try await self.verifyRefreshToken(Substring(refreshToken))
        guard let sessionID = token.claims.sessionID, let userID = token.claims.subject else {
            throw JWTAuthError(.claimMissing, "the refresh token has no sid or sub")
        }
        try await self.revokeSession(id: sessionID, userID: userID, reason: .logout, origin: origin)
    }

    /// Revokes one session; access tokens of it fail at once. A logout, or a revocation by
    /// the user, an administrator or RFC 7009, is recorded in the audit log with `origin`.
    @discardableResult
    public func revokeSession(id: String, userID: String, reason: RevocationReason, origin: AuditOrigin = AuditOrigin()) async throws -> SessionRecord? {
        let now = self.clock.now
        let session = try await self.sessions.revokeSession(id: id, userID: userID, at: now, reason: reason)
        if let session {
            self.didRevoke([RevocationEvent(kind: .session, subject: id, at: now)])
            self.metrics.revoked(reason: reason)
            if let kind = Self.auditKind(of: reason) {
                self.audit.record(origin.event(kind, at: now, userID: userID, sessionID: id, clientID: session.clientID))
            }
        }
        return session
    }

    /// Revokes every session of a user and every access token issued to them so far. A
    /// logout-all, or a revocation by an administrator or RFC 7009, is recorded in the audit
    /// log with `origin` (disabling, password changes and removals record their own event).
    public func revokeUser(id userID: String, reason: RevocationReason, origin: AuditOrigin = AuditOrigin()) async throws {
        let now = self.clock.now
        try await self.revokeUser(id: userID, at: now, reason: reason)
        if let kind = Self.auditKind(of: reason) {
            self.audit.record(origin.event(kind, at: now, userID: userID))
        }
    }

    /// The audit event of a revocation that is an event of its own; nil for revocations that
    /// are part of another event (a disable, a password change, a reuse, an eviction).
    static func auditKind(of reason: RevocationReason) -> AuditEventKind? {
        switch reason {
        case .logout: .logout
        case .logoutAll: .logoutAll
        case .userRevoked, .adminRevoked, .tokenRevoked: .sessionRevoked
        default: nil
        }
    }

    func revokeUser(id userID: String, at now: NumericDate, reason: RevocationReason) async throws {
        let revoked = try await self.sessions.revokeUser(id: userID, at: now, reason: reason)
        self.metrics.revoked(reason: reason)
        self.didRevoke(revoked.map { RevocationEvent(kind: .session, subject: $0, at: now) } + [RevocationEvent(kind: .user, subject: userID, at: now)])
        self.logger.info("user revoked", metadata: ["sub": "\(userID)", "reason": "\(reason)", "sessions": "\(revoked.count)"])
    }

    /// Records revocations made here: live on the feed, and in the cache at once.
    private func didRevoke(_ events: [RevocationEvent]) {
        for event in events { self.recordRevocation(event) }
    }

    /// Records a revocation another instance made, as the store's push channel (Redis pub/sub,
    /// PostgreSQL `NOTIFY`) delivered it: live on the feed, and in the cache.
    public func recordRevocation(_ event: RevocationEvent) {
        // The feed first: a feed reader whose own token this revokes finds the revocation
        // queued when it sees itself revoked, and is sent it before its stream ends.
        self.feed.publish(event)
        self.revocations.record(event)
    }

    /// The user's active sessions, newest first.
    public func activeSessions(of userID: String) async throws -> [SessionRecord] {
        try await self.sessions.activeSessions(userID: userID, at: self.clock.now)
    }

    /// Loads the store's revocations after `cursor` into the cache and the feed's journal (on
    /// start, on every poll of a store without a push channel, and after a feed outage).
    /// Returns the cursor to continue from.
    @discardableResult
    public func loadRevocations(after cursor: RevocationCursor? = nil) async throws -> RevocationCursor? {
        let batch = try await self.sessions.revocations(after: cursor)
        self.feed.append(batch.entries, position: batch.cursor)
        for event in batch.events { self.revocations.record(event) }
        return batch.cursor ?? cursor
    }
}

extension SessionManager: AccessTokenVerifier {
    /// Verifies an access token as ``verifyAccessToken(_:)-(Substring)`` does; a token signed
    /// by a key this instance has not loaded yet (another instance just rotated) gets one look
    /// for new keys before it is refused.
    public func verify(accessToken token: Substring) async throws(JWTAuthError) -> AccessToken {
        do {
            return try self.verifyAccessToken(token)
        } catch let error where error.code == .keyUnknown {
            guard await self.keys.resolveUnknownKey() else { throw error }
            return try self.verifyAccessToken(token)
        }
    }
}
