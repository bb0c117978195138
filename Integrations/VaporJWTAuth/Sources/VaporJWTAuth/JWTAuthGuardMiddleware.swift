public import JWTAuthHTTP
public import Vapor

/// Lets a request through only when ``JWTAuthAuthenticator`` logged in a ``JWTAuthUser`` that
/// meets an access rule: 401 with a `WWW-Authenticate: Bearer` challenge without one, 403
/// `insufficient_scope` without the role or scope. Made by ``JWTAuthUser/guardMiddleware()``,
/// ``JWTAuthUser/guardRole(_:)`` and ``JWTAuthUser/guardScope(_:)``.
public struct JWTAuthGuardMiddleware: AsyncMiddleware {
    /// The rule a request's identity must meet.
    public let access: AuthRoute.Access

    /// Creates a guard for `access`.
    public init(_ access: AuthRoute.Access) {
        self.access = access
    }

    /// Passes the request on when its identity meets ``access``; otherwise answers the error.
    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            _ = try AccessTokenAuthentication.authorize(request.auth.get(JWTAuthUser.self)?.token, for: self.access)
        } catch {
            return Response.from(error.response, streams: JWTAuthAuthenticator.noStreams)
        }
        return try await next.respond(to: request)
    }
}
