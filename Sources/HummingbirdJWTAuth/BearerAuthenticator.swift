public import Hummingbird
public import HummingbirdAuth
public import JWTAuth

/// Authenticates `Authorization: Bearer <access token>` (RFC 6750 §2.1) with an
/// ``AccessTokenVerifier``: the ``SessionManager`` of a token server (or of an app sharing its
/// store), or a remote verifier that follows an issuer's JWKS and revocation feed. Either way:
/// signature, claims policy and the revocation cache, no store round trip.
///
/// - No `Authorization` header, or another scheme: not ours, the request goes on without an
///   identity (``RequireAuthenticationMiddleware`` turns that into a 401 challenge).
/// - The Bearer scheme, in any letter case (RFC 7235 §2.1), with a token that fails: 401
///   `invalid_token` at once.
/// - A bare token without a scheme is never accepted.
/// - A verifier that cannot currently tell (no usable keys, a stale revocation feed): 503
///   with `Retry-After`, never a 401 that would make clients throw their tokens away.
/// - A machine client's token (client credentials: no session, `sub` = the client) is refused
///   with 403 `insufficient_scope` unless the authenticator was made to accept them: it names
///   no user, and a credential meant for one purpose (reading the revocation feed) must not
///   open every API that trusts the issuer.
public struct BearerAuthenticator<Context: JWTAuthRequestContext>: AuthenticatorMiddleware {
    /// The verified access token a request is authenticated with.
    public typealias Identity = AccessToken

    /// What access tokens are verified with.
    public let verifier: any AccessTokenVerifier
    /// Whether machine clients' tokens (client credentials) are accepted besides users' tokens.
    public let acceptsClientTokens: Bool
    /// Where verification results are counted (`jwtauth_token_verifications_total`), if anywhere.
    public let verifications: OutcomeCounter?

    /// Creates an authenticator.
    ///
    /// - Parameters:
    ///   - verifier: What access tokens are verified with.
    ///   - acceptsClientTokens: Whether machine clients' own tokens are accepted (default false:
    ///     users' tokens only); combine with ``RequireScopeMiddleware`` where they are.
    ///   - verifications: Where each bearer token's verification result is counted (none by default).
    ///   - context: Only names the request context type.
    public init(
        verifier: any AccessTokenVerifier,
        acceptsClientTokens: Bool = false,
        verifications: OutcomeCounter? = nil,
        context: Context.Type = Context.self
    ) {
        self.verifier = verifier
        self.acceptsClientTokens = acceptsClientTokens
        self.verifications = verifications
    }

    /// Creates an authenticator that verifies with a session manager (a token server, or an
    /// app that shares its store); see ``init(verifier:acceptsClientTokens:verifications:context:)``.
    public init(sessions: SessionManager, acceptsClientTokens: Bool = false, context: Context.Type = Context.self) {
        self.init(verifier: sessions, acceptsClientTokens: acceptsClientTokens, verifications: sessions.metrics.verifications)
    }

    /// The verified token of a Bearer credential, or nil when there is none. Throws a 401 for a
    /// bad token and a 400 when more than one `Authorization` header was sent.
    public func authenticate(request: Request, context: Context) async throws -> AccessToken? {
        // One pass over the fields, no array: this runs on every request.
        var found: String? = nil
        for field in request.headers where field.name == .authorization {
            guard found == nil else { throw AuthHTTPError.invalidRequest("send one Authorization header") }
            found = field.value
        }
        guard let header = found else { return nil }
        guard let token = Self.bearerToken(header) else { return nil }
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

    /// The token of a `Bearer` credential, or nil when the header uses no or another scheme.
    static func bearerToken(_ header: String) -> Substring? {
        guard let space = header.firstIndex(of: " ") else { return nil }
        // The scheme is case-insensitive (RFC 9110 §11.1); compared without allocating.
        guard header[..<space].utf8.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let token = header[space...].drop(while: { $0 == " " })
        return token
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
