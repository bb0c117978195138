/// A verified access token whose session, user or client has not been revoked.
///
/// Two kinds of access token exist: a user's, issued at login or refresh (it names the session
/// in ``sessionID``), and a client's, issued by the client-credentials grant to a machine
/// caller (no session; ``userID`` is then the client id, as RFC 9068 §2.2 has it).
public struct AccessToken: Sendable {
    /// `sub`: the user id, or the client id for a client's own token.
    public var userID: String
    /// `sid`: the session, or nil for a client-credentials token, which has none.
    public var sessionID: String?
    /// `client_id`.
    public var clientID: String
    /// `roles` (empty when absent).
    public var roles: [String]
    /// `scope`, split at spaces (empty when absent).
    public var scopes: [String]
    /// The whole verified token.
    public var token: VerifiedJWT

    /// Creates an access token from its parts; verifiers do this, applications read them.
    public init(userID: String, sessionID: String?, clientID: String, roles: [String], scopes: [String], token: VerifiedJWT) {
        self.userID = userID
        self.sessionID = sessionID
        self.clientID = clientID
        self.roles = roles
        self.scopes = scopes
        self.token = token
    }

    /// Reads the identity out of a verified token's claims.
    ///
    /// - Throws: `claim_missing` when `sub` or `client_id` is absent.
    public init(verified token: VerifiedJWT) throws(JWTAuthError) {
        let claims = token.claims
        guard let userID = claims.subject, let clientID = claims.clientID else {
            throw JWTAuthError(.claimMissing, "the access token lacks sub or client_id")
        }
        self.init(
            userID: userID,
            sessionID: claims.sessionID,
            clientID: clientID,
            roles: claims.roles ?? [],
            scopes: claims.scope.map { $0.split(separator: " ").map(String.init) } ?? [],
            token: token
        )
    }

    /// True for a user's token (it belongs to a session), false for a client's own.
    public var isUserToken: Bool { self.sessionID != nil }

    /// The username the token was issued for (`preferred_username`), when present.
    public var username: String? {
        self.token.claim(SessionManager.usernameClaim)?.stringValue
    }

    /// True when the token carries `role`.
    public func hasRole(_ role: String) -> Bool { self.roles.contains(role) }

    /// True when the token's `scope` includes `scope`.
    public func hasScope(_ scope: String) -> Bool { self.scopes.contains(scope) }
}
