public import HTTPTypes
public import JWTAuth

/// `Authorization: Bearer <access token>` (RFC 6750 §2.1), verified with an
/// ``AccessTokenVerifier``: the ``SessionManager`` of a token server (or of an app sharing its
/// store), or a remote verifier that follows an issuer's JWKS and revocation feed. Either way:
/// signature, claims policy and the revocation cache, no store round trip. Framework adapters
/// (Hummingbird's `BearerAuthenticator`, Vapor's authenticator) are thin wrappers of this.
///
/// - No `Authorization` header, or another scheme: no identity (nil), and the route's access
///   rule decides (``authorize(_:for:)`` turns that into a 401 challenge).
/// - The Bearer scheme, in any letter case (RFC 7235 §2.1), with a token that fails: 401
///   `invalid_token` at once.
/// - A bare token without a scheme is never accepted.
/// - A verifier that cannot currently tell (no usable keys, a stale revocation feed): 503
///   with `Retry-After`, never a 401 that would make clients throw their tokens away.
/// - A machine client's token (client credentials: no session, `sub` = the client) is refused
///   with 403 `insufficient_scope` unless client tokens are accepted: it names no user, and a
///   credential meant for one purpose (reading the revocation feed) must not open every API
///   that trusts the issuer.
public struct AccessTokenAuthentication: Sendable {
    /// What access tokens are verified with.
    public let verifier: any AccessTokenVerifier
    /// Whether machine clients' tokens (client credentials) are accepted besides users' tokens.
    public let acceptsClientTokens: Bool
    /// Where verification results are counted (`jwtauth_token_verifications_total`), if anywhere.
    public let verifications: OutcomeCounter?

    /// Creates the authentication.
    ///
    /// - Parameters:
    ///   - verifier: What access tokens are verified with.
    ///   - acceptsClientTokens: Whether machine clients' own tokens are accepted (default false:
    ///     users' tokens only).
    ///   - verifications: Where each bearer token's verification result is counted (none by default).
    public init(verifier: any AccessTokenVerifier, acceptsClientTokens: Bool = false, verifications: OutcomeCounter? = nil) {
        self.verifier = verifier
        self.acceptsClientTokens = acceptsClientTokens
        self.verifications = verifications
    }

    /// Creates the authentication of a session manager (a token server, or an app that shares
    /// its store), counting into its metrics.
    public init(sessions: SessionManager, acceptsClientTokens: Bool = false) {
        self.init(verifier: sessions, acceptsClientTokens: acceptsClientTokens, verifications: sessions.metrics.verifications)
    }

    /// The verified token of a Bearer credential, or nil when there is none.
    ///
    /// - Throws: ``AuthHTTPError``: 401 for a bad token, 503 when the verifier cannot tell, 403
    ///   for a client's token that is not accepted, 400 for two `Authorization` fields.
    public func authenticate(_ headers: HTTPFields) async throws(AuthHTTPError) -> AccessToken? {
        // One pass over the fields, no array: this runs on every request.
        var found: String? = nil
        for field in headers where field.name == .authorization {
            guard found == nil else { throw AuthHTTPError.invalidRequest("send one Authorization header") }
            found = field.value
        }
        guard let header = found, let token = Self.bearerToken(header) else { return nil }
        let identity: AccessToken
        do {
            identity = try await self.verifier.verify(accessToken: token)
            self.verifications?.succeeded()
        } catch {
            self.verifications?.failed(error)
            if let unavailable = AuthHTTPError.verifierUnavailable(error) { throw unavailable }
            throw AuthHTTPError.invalidToken(Self.publicReason(error))
        }
        guard identity.isUserToken || self.acceptsClientTokens else {
            throw AuthHTTPError.userTokenRequired()
        }
        return identity
    }

    /// Applies a route's access rule to the identity ``authenticate(_:)`` found.
    ///
    /// - Returns: The identity (nil only for ``AuthRoute/Access/anyone`` without one).
    /// - Throws: 401 with a challenge without an identity; 403 `insufficient_scope` without the
    ///   role or scope, or for a client's token on a user's route.
    public static func authorize(_ identity: AccessToken?, for access: AuthRoute.Access) throws(AuthHTTPError) -> AccessToken? {
        if access == .anyone { return identity }
        guard let identity else { throw AuthHTTPError.authenticationRequired() }
        switch access {
        case .anyone:
            break
        case .user:
            guard identity.isUserToken else { throw AuthHTTPError.userTokenRequired() }
        case .role(let role):
            guard identity.isUserToken else { throw AuthHTTPError.userTokenRequired() }
            guard identity.hasRole(role) else { throw AuthHTTPError.insufficientRole(role) }
        case .scope(let scope):
            guard identity.hasScope(scope) else { throw AuthHTTPError.insufficientScope(scope) }
        }
        return identity
    }

    /// The token of a `Bearer` credential, or nil when the header uses no or another scheme.
    public static func bearerToken(_ header: String) -> Substring? {
        guard let space = header.firstIndex(of: " ") else { return nil }
        // The scheme is case-insensitive (RFC 9110 §11.1); compared without allocating.
        guard header[..<space].utf8.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        return header[space...].drop(while: { $0 == " " })
    }

    /// What a client is told about a refused token: the class of failure, never the token.
    public static func publicReason(_ error: JWTAuthError) -> String {
        switch error.code {
        case .expired: "the access token has expired"
        case .revoked: "the access token has been revoked"
        case .signatureInvalid, .keyUnknown, .algorithmRejected: "the access token's signature is not valid"
        case .typeInvalid: "not an access token"
        default: "the access token is not valid (\(error.code))"
        }
    }
}
