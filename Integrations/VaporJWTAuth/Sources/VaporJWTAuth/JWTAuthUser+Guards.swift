import JWTAuthHTTP
public import Vapor

extension JWTAuthUser {
    /// A guard that answers 401 (with a `WWW-Authenticate: Bearer` challenge, RFC 6750) when no
    /// valid access token was presented. Use it behind ``JWTAuthAuthenticator``.
    ///
    /// Unlike Vapor's `Authenticatable.guardMiddleware(throwing:)`, it answers in the token
    /// server's JSON error shape.
    public static func guardMiddleware() -> JWTAuthGuardMiddleware {
        JWTAuthGuardMiddleware(.user)
    }

    /// A guard that answers 401 without a valid access token and 403 `insufficient_scope`
    /// when the token lacks `role`.
    public static func guardRole(_ role: String) -> JWTAuthGuardMiddleware {
        JWTAuthGuardMiddleware(.role(role))
    }

    /// A guard that answers 401 without a valid access token and 403 `insufficient_scope`
    /// when the token's `scope` lacks `scope`. Machine clients' tokens carry scopes: put it
    /// behind an authenticator made with `acceptsClientTokens: true` to admit them.
    public static func guardScope(_ scope: String) -> JWTAuthGuardMiddleware {
        JWTAuthGuardMiddleware(.scope(scope))
    }
}
