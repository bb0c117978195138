public import JWTAuth
public import Vapor

/// The identity a verified access token gives a request, logged in on `req.auth` by
/// ``JWTAuthAuthenticator``.
///
/// ```swift
/// app.grouped(try app.jwtAuth.authenticator(), JWTAuthUser.guardMiddleware()).get("me") { req in
///     let user = try req.auth.require(JWTAuthUser.self)   // or req.jwtAuth.require()
///     return "\(user.subject) in session \(user.sessionID ?? "-") with roles \(user.roles)"
/// }
/// ```
public struct JWTAuthUser: Authenticatable, Sendable {
    /// The verified token, with every claim.
    public let token: AccessToken

    /// Wraps a verified access token.
    public init(_ token: AccessToken) {
        self.token = token
    }

    /// `sub`: the user's id (the `id` registration returned), or a machine client's id for a
    /// client-credentials token.
    public var subject: String { self.token.userID }
    /// `sid`: the session (one per login), nil for a client-credentials token.
    public var sessionID: String? { self.token.sessionID }
    /// `client_id`.
    public var clientID: String { self.token.clientID }
    /// `roles` (empty when absent).
    public var roles: [String] { self.token.roles }
    /// `scope`, split at spaces (empty when absent).
    public var scopes: [String] { self.token.scopes }
    /// The username the token was issued for, when the issuer put one in.
    public var username: String? { self.token.username }
    /// True for a user's token (it belongs to a session), false for a machine client's own.
    public var isUserToken: Bool { self.token.isUserToken }

    /// True when the token carries `role`.
    public func hasRole(_ role: String) -> Bool { self.token.hasRole(role) }
    /// True when the token's `scope` includes `scope`.
    public func hasScope(_ scope: String) -> Bool { self.token.hasScope(scope) }
}
