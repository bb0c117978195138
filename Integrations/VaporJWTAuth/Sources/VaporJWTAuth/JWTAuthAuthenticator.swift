import HTTPTypes
public import JWTAuth
public import JWTAuthHTTP
import NIOCore
public import Vapor

/// Verifies `Authorization: Bearer <access token>` (RFC 6750 §2.1) and logs the identity in
/// on `req.auth` as a ``JWTAuthUser``.
///
/// It verifies with an ``AccessTokenVerifier``: the `SessionManager` of an app that issues the
/// tokens itself, or a remote verifier that follows an issuer's JWKS and revocation feed.
/// Either way: signature, claims policy and the revocation cache, with no store round trip.
///
/// - No `Authorization` header, or another scheme: the request goes on without an identity;
///   a guard (``JWTAuthUser/guardMiddleware()``) answers it with a 401 challenge.
/// - A Bearer token (the scheme in any letter case) that fails: 401 `invalid_token` with
///   `WWW-Authenticate`, at once.
/// - A verifier that cannot tell right now (no keys yet, a stale revocation feed): 503 with
///   `Retry-After`, never a 401 that would make clients throw their tokens away.
/// - A machine client's token is refused (403) unless `acceptsClientTokens`.
///
/// Errors are answered as JSON `{"error", "error_description"}` with `Cache-Control:
/// no-store`, not Vapor's `{"error": true, "reason": …}`; the same goes for an
/// ``AuthHTTPError`` thrown by the guards and handlers behind it (``Request/JWTAuthentication/require()``).
public struct JWTAuthAuthenticator: AsyncMiddleware {
    /// The bearer-token rules shared with every other integration.
    public let authentication: AccessTokenAuthentication

    /// Creates an authenticator.
    ///
    /// - Parameters:
    ///   - verifier: What access tokens are verified with.
    ///   - acceptsClientTokens: Whether machine clients' own tokens (client credentials) are
    ///     accepted besides users' tokens; combine with ``JWTAuthUser/guardScope(_:)``.
    ///   - verifications: Where each verification's outcome is counted, if anywhere.
    public init(verifier: any AccessTokenVerifier, acceptsClientTokens: Bool = false, verifications: OutcomeCounter? = nil) {
        self.authentication = AccessTokenAuthentication(verifier: verifier, acceptsClientTokens: acceptsClientTokens, verifications: verifications)
    }

    /// Creates an authenticator that verifies with an app's own session engine.
    public init(sessions: SessionManager, acceptsClientTokens: Bool = false) {
        self.authentication = AccessTokenAuthentication(sessions: sessions, acceptsClientTokens: acceptsClientTokens)
    }

    /// Authenticates the request, then passes it on; answers authentication errors itself.
    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            if let identity = try await self.authenticate(request) {
                request.auth.login(JWTAuthUser(identity))
            }
            return try await next.respond(to: request)
        } catch let error as AuthHTTPError {
            return Response.from(error.response, streams: Self.noStreams)
        }
    }

    /// The verified token of the request's Bearer credential, or nil when it has none; throws
    /// an ``AuthHTTPError`` for a bad one.
    public func authenticate(_ request: Request) async throws -> AccessToken? {
        // Most requests carry one field or none: skip the conversion when there is none.
        guard request.headers.contains(name: .authorization) else { return nil }
        var fields = HTTPFields()
        for value in request.headers[.authorization] {
            fields.append(HTTPField(name: .authorization, value: value))
        }
        return try await self.authentication.authenticate(fields)
    }

    /// Error responses carry no event stream.
    static let noStreams = EventStreams()
}
