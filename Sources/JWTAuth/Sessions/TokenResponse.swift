/// A freshly issued token pair, as the token endpoint returns it (RFC 6749 §5.1).
public struct TokenResponse: Sendable, Hashable {
    /// The access token (`typ: at+jwt`).
    public var accessToken: String
    /// Always `Bearer`.
    public var tokenType: String { "Bearer" }
    /// Seconds until the access token expires.
    public var expiresIn: Int
    /// The refresh token (`typ: rt+jwt`).
    public var refreshToken: String
    /// Seconds until the refresh token expires (idle timeout or session end).
    public var refreshExpiresIn: Int
    /// The session the tokens belong to.
    public var session: SessionRecord
}

/// A verified access token whose session and user are not revoked.
public struct AccessToken: Sendable {
    /// The user id (`sub`).
    public var userID: String
    /// The session id (`sid`).
    public var sessionID: String
    /// `client_id`.
    public var clientID: String
    /// `roles` (empty when absent).
    public var roles: [String]
    /// The whole verified token.
    public var token: VerifiedJWT

    /// The username the token was issued for (`preferred_username`), when present.
    public var username: String? {
        self.token.claim(SessionManager.usernameClaim)?.stringValue
    }

    /// True when the token carries `role`.
    public func hasRole(_ role: String) -> Bool { self.roles.contains(role) }
}
