extension SessionManager {
    /// The reader of a revocation-feed stream, from its verified access token.
    ///
    /// A stream lives longer than any request: it must end when the token would stop
    /// verifying. Its ``RevocationFeed/Reader/deadline`` is the token's `exp`, and never later
    /// than `iat` plus the access-token lifetime and the leeway — the revocation cache and the
    /// feed remember a revocation only that long, so a token made to live longer (signed under
    /// an earlier, longer lifetime) could outlast the memory of its own revocation.
    public func feedReader(_ token: AccessToken) -> RevocationFeed.Reader {
        let claims = token.token.claims
        let latest = claims.issuedAt.map { $0 + self.configuration.accessTokenLifetime + self.configuration.leeway }
        return RevocationFeed.Reader(
            subject: token.userID,
            sessionID: token.sessionID,
            issuedAt: claims.issuedAt,
            key: self.keys.heldKey(verifying: token.token.header),
            // Neither claim: nothing bounds the token, so the stream ends at once.
            deadline: [claims.expiresAt, latest].compactMap { $0 }.min() ?? self.clock.now
        )
    }

    /// True once a feed reader's token would be refused here: its session or user was
    /// revoked, or the key that signed it has left the key ring (revoked, or retired for good).
    public func isRevoked(_ reader: RevocationFeed.Reader) -> Bool {
        guard let key = reader.key, self.keys.holds(key) else { return true }
        return self.revocations.isRevoked(sessionID: reader.sessionID, userID: reader.subject, issuedAt: reader.issuedAt, now: self.clock.now)
    }
}
