/// A freshly issued token pair, as the token endpoint returns it (RFC 6749 §5.1).
public struct TokenResponse: Sendable, Hashable {
    /// The access token (`typ: at+jwt`).
    public var accessToken: String
    /// Always `Bearer`.
    public var tokenType: String { "Bearer" }
    /// Seconds until the access token expires.
    public var expiresIn: Int
    /// The refresh token (`typ: rt+jwt`).
    public var refreshToken: String
    /// Seconds until the refresh token expires (idle timeout or session end).
    public var refreshExpiresIn: Int
    /// The session the tokens belong to.
    public var session: SessionRecord
}
