extension SessionManager {
    /// Signs a client-credentials access token (RFC 6749 §4.4.3, RFC 9068): `typ: at+jwt`,
    /// `sub` and `client_id` the client id, the configured audience, `scope`, `iat`/`nbf`/`exp`
    /// (the access-token lifetime) and `jti`; no `sid` and no refresh token, since the client
    /// is not a user with a session.
    ///
    /// The caller has authenticated the client and checked that it may have `scopes`
    /// (``ClientManager/issueToken(for:scope:)`` does both).
    public func issueAccessToken(for client: ClientRecord, scopes: [String]) throws(JWTAuthError) -> ClientTokenResponse {
        let issuedAt = NumericDate(self.clock.now.wholeSeconds)
        let scope = scopes.joined(separator: " ")
        let claims = JWTClaims(
            issuer: self.configuration.issuer,
            subject: client.id,
            audience: [self.configuration.audience],
            expiresAt: issuedAt + self.configuration.accessTokenLifetime,
            notBefore: issuedAt,
            issuedAt: issuedAt,
            tokenID: RandomIdentifier.make(),
            clientID: client.id,
            scope: scope
        )
        return ClientTokenResponse(
            accessToken: try self.signer.sign(claims, type: JWTValidationPolicy.accessTokenType),
            expiresIn: Int(self.configuration.accessTokenLifetime.seconds),
            scope: scope
        )
    }

    /// Revokes every access token issued to a client so far, everywhere (a user-wide
    /// revocation of the client id, which is its tokens' `sub`).
    ///
    /// The revocation is dated to the start of the next second: verifiers cut off tokens
    /// issued in an earlier second, and a client's tokens have no session whose own revocation
    /// would catch one issued in this very second. Call it once the client can get no new
    /// token (it was removed), or its tokens of the rest of this second are refused too.
    public func revokeClient(id clientID: String) async throws {
        try await self.revokeUser(id: clientID, at: NumericDate(self.clock.now.wholeSeconds + 1), reason: .clientRemoved)
    }
}
