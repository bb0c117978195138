public import Hummingbird
import HummingbirdAuth
import JWTAuth

/// Lets a request through only when ``BearerAuthenticator`` found a valid access token;
/// otherwise 401 with `WWW-Authenticate: Bearer` (which hummingbird-auth's
/// `IsAuthenticatedMiddleware` does not send).
public struct RequireAuthenticationMiddleware<Context: JWTAuthRequestContext>: RouterMiddleware {
    /// Creates the middleware; `context` only names the request context type.
    public init(context: Context.Type = Context.self) {}

    /// Passes the request on when it has an identity; otherwise throws a 401 challenge.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity != nil else { throw AuthHTTPError.authenticationRequired() }
        return try await next(request, context)
    }
}

/// Role policy: 401 without a token, 403 (`insufficient_scope`) when the token lacks the role.
public struct RequireRoleMiddleware<Context: JWTAuthRequestContext>: RouterMiddleware {
    /// The role the access token must carry.
    public let role: String

    /// Creates the middleware for `role`; `context` only names the request context type.
    public init(_ role: String, context: Context.Type = Context.self) {
        self.role = role
    }

    /// Passes the request on when its access token has ``role``; otherwise throws a 401 or a 403.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else { throw AuthHTTPError.authenticationRequired() }
        guard identity.hasRole(self.role) else { throw AuthHTTPError.insufficientRole(self.role) }
        return try await next(request, context)
    }
}

/// Scope policy: 401 without a token, 403 (`insufficient_scope`) when the token's `scope`
/// lacks the scope — for routes machine clients call with client-credentials tokens.
public struct RequireScopeMiddleware<Context: JWTAuthRequestContext>: RouterMiddleware {
    /// The scope the access token must carry.
    public let scope: String

    /// Creates the middleware for `scope`; `context` only names the request context type.
    public init(_ scope: String, context: Context.Type = Context.self) {
        self.scope = scope
    }

    /// Passes the request on when its access token has ``scope``; otherwise throws a 401 or a 403.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else { throw AuthHTTPError.authenticationRequired() }
        guard identity.hasScope(self.scope) else { throw AuthHTTPError.insufficientScope(self.scope) }
        return try await next(request, context)
    }
}
