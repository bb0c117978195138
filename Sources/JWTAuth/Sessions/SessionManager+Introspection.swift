extension SessionManager {
    /// The result of token introspection (RFC 7662).
    public struct Introspection: Sendable {
        /// True when the token is valid right now.
        public var isActive: Bool
        /// `access_token` or `refresh_token`, when active.
        public var tokenType: String?
        /// The verified token, when active.
        public var token: VerifiedJWT?

        static let inactive = Introspection(isActive: false, tokenType: nil, token: nil)
    }

    /// Says whether a token is active: an access token by signature, policy and the revocation
    /// cache; a refresh token also by its session in the store (it must be the current one).
    ///
    /// - Throws: only `store_unavailable`; a bad token is simply inactive.
    public func introspect(_ token: String) async throws -> Introspection {
        if let access = try? self.verifyAccessToken(token) {
            return Introspection(isActive: true, tokenType: "access_token", token: access.token)
        }
        guard let refresh = try? self.verifyRefreshToken(token), let sessionID = refresh.claims.sessionID,
            let userID = refresh.claims.subject
        else {
            return .inactive
        }
        guard let session = try await self.sessions.session(id: sessionID, userID: userID), session.isActive(at: self.clock.now),
            session.currentTokenID == refresh.claims.tokenID
        else {
            return .inactive
        }
        return Introspection(isActive: true, tokenType: "refresh_token", token: refresh)
    }

    /// RFC 7009 revocation: a refresh token (or a user's access token) ends its session; a
    /// client's own access token revokes every token issued to that client so far (they carry
    /// no session to end; the client obtains a new one with its secret). Tokens that do not
    /// verify are ignored, as the RFC asks.
    public func revoke(token: String, origin: AuditOrigin = AuditOrigin()) async throws {
        if let refresh = try? self.verifyRefreshToken(token), let sessionID = refresh.claims.sessionID, let userID = refresh.claims.subject {
            try await self.revokeSession(id: sessionID, userID: userID, reason: .tokenRevoked, origin: origin)
        } else if let access = try? self.verifyAccessToken(token) {
            if let sessionID = access.sessionID {
                try await self.revokeSession(id: sessionID, userID: access.userID, reason: .tokenRevoked, origin: origin)
            } else {
                try await self.revokeUser(id: access.userID, reason: .tokenRevoked, origin: origin)
            }
        }
    }
}
