/// Turns a bearer token into a verified ``AccessToken``: signature, claims policy and
/// revocation.
///
/// Two kinds exist: the ``SessionManager`` of a token server (or of an app that shares its
/// store), and a remote verifier that knows the issuer only through its JWKS and its
/// revocation feed (`RemoteAccessTokenVerifier` in `JWTAuthRemote`). Middleware such as the
/// Hummingbird `BearerAuthenticator` takes either.
public protocol AccessTokenVerifier: Sendable {
    /// Verifies an access token (the credentials of `Authorization: Bearer`).
    ///
    /// Verification itself never waits on the network; an implementation may wait briefly
    /// when the token names a key it has not seen yet, to look for the issuer's new keys.
    ///
    /// - Throws: ``JWTAuthError``: a verification code for a bad token, `revoked` for a
    ///   revoked one, `keys_unavailable` or `revocations_stale` when the verifier cannot
    ///   currently tell (the caller should answer 503, not 401).
    func verify(accessToken token: Substring) async throws(JWTAuthError) -> AccessToken
}
