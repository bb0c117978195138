public import Hummingbird
public import HummingbirdAuth
public import JWTAuth
public import JWTAuthHTTP

/// Authenticates `Authorization: Bearer <access token>` (RFC 6750 §2.1) for Hummingbird routes:
/// ``AccessTokenAuthentication`` as middleware, which sets the context's identity.
///
/// - No `Authorization` header, or another scheme: not ours, the request goes on without an
///   identity (``RequireAuthenticationMiddleware`` turns that into a 401 challenge).
/// - A Bearer token that fails: 401 `invalid_token` at once; a verifier that cannot currently
///   tell: 503 with `Retry-After`.
/// - A machine client's token is refused with 403 `insufficient_scope` unless the
///   authenticator was made to accept them.
public struct BearerAuthenticator<Context: JWTAuthRequestContext>: AuthenticatorMiddleware {
    /// The verified access token a request is authenticated with.
    public typealias Identity = AccessToken

    /// The framework-neutral authentication this middleware runs.
    public let authentication: AccessTokenAuthentication
    /// What access tokens are verified with.
    public var verifier: any AccessTokenVerifier { self.authentication.verifier }
    /// Whether machine clients' tokens (client credentials) are accepted besides users' tokens.
    public var acceptsClientTokens: Bool { self.authentication.acceptsClientTokens }
    /// Where verification results are counted (`jwtauth_token_verifications_total`), if anywhere.
    public var verifications: OutcomeCounter? { self.authentication.verifications }

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
        self.authentication = AccessTokenAuthentication(verifier: verifier, acceptsClientTokens: acceptsClientTokens, verifications: verifications)
    }

    /// Creates an authenticator that verifies with a session manager (a token server, or an
    /// app that shares its store); see ``init(verifier:acceptsClientTokens:verifications:context:)``.
    public init(sessions: SessionManager, acceptsClientTokens: Bool = false, context: Context.Type = Context.self) {
        self.init(verifier: sessions, acceptsClientTokens: acceptsClientTokens, verifications: sessions.metrics.verifications)
    }

    /// The verified token of a Bearer credential, or nil when there is none. Throws a 401 for a
    /// bad token and a 400 when more than one `Authorization` header was sent.
    public func authenticate(request: Request, context: Context) async throws -> AccessToken? {
        try await self.authentication.authenticate(request.headers)
    }

    /// What a client is told about a refused token: the class of failure, never the token.
    public static func publicReason(_ error: JWTAuthError) -> String {
        AccessTokenAuthentication.publicReason(error)
    }
}
