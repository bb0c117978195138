/// An access token issued to a client by the client-credentials grant (RFC 6749 §4.4.3): no
/// refresh token, since the client can always ask again with its secret.
public struct ClientTokenResponse: Sendable, Hashable {
    /// The access token (`typ: at+jwt`, `sub` and `client_id` the client id, no `sid`).
    public var accessToken: String
    /// Always `Bearer`.
    public var tokenType: String { "Bearer" }
    /// Seconds until the access token expires.
    public var expiresIn: Int
    /// The scopes granted, in `scope` syntax (space-separated).
    public var scope: String

    /// Creates a response.
    public init(accessToken: String, expiresIn: Int, scope: String) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.scope = scope
    }
}
