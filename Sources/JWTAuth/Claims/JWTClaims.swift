/// The registered claims of a JWT (RFC 7519 §4.1) and the ones JWTAuth's tokens carry
/// (`sid`, `client_id`, `scope`, `roles`; RFC 9068, RFC 8693).
///
/// Used both to issue tokens and to read verified ones. Claims that are not listed here are
/// passed separately when signing and read from ``VerifiedJWT`` on demand.
public struct JWTClaims: Sendable, Hashable {
    /// `iss`: who issued the token.
    public var issuer: String?
    /// `sub`: whom the token is about (the user id).
    public var subject: String?
    /// `aud`: the recipients the token is meant for. Written as a string when there is one.
    public var audience: [String]?
    /// `exp`: the token is invalid from this time on.
    public var expiresAt: NumericDate?
    /// `nbf`: the token is invalid before this time.
    public var notBefore: NumericDate?
    /// `iat`: when the token was issued.
    public var issuedAt: NumericDate?
    /// `jti`: a unique identifier of this token.
    public var tokenID: String?
    /// `sid`: the session the token belongs to.
    public var sessionID: String?
    /// `client_id`: the client the token was issued to (RFC 9068 §2.2).
    public var clientID: String?
    /// `scope`: space-separated scopes (RFC 8693 §4.2).
    public var scope: String?
    /// `roles`: role names (RFC 9068 §2.2.3.1).
    public var roles: [String]?

    /// Creates a set of claims; every claim is optional and omitted when nil.
    public init(
        issuer: String? = nil,
        subject: String? = nil,
        audience: [String]? = nil,
        expiresAt: NumericDate? = nil,
        notBefore: NumericDate? = nil,
        issuedAt: NumericDate? = nil,
        tokenID: String? = nil,
        sessionID: String? = nil,
        clientID: String? = nil,
        scope: String? = nil,
        roles: [String]? = nil
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.issuedAt = issuedAt
        self.tokenID = tokenID
        self.sessionID = sessionID
        self.clientID = clientID
        self.scope = scope
        self.roles = roles
    }

    /// The names of the claims this type models; other claims are "additional".
    public static let registeredNames: Set<String> = [
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "client_id", "scope", "roles",
    ]
}
