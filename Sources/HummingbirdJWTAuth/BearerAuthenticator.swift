public import Hummingbird
public import HummingbirdAuth
public import JWTAuth

/// Authenticates `Authorization: Bearer <access token>` (RFC 6750 §2.1) against a
/// ``SessionManager``: signature, claims policy and the revocation cache, no store round trip.
///
/// - No `Authorization` header, or another scheme: not ours, the request goes on without an
///   identity (``RequireAuthenticationMiddleware`` turns that into a 401 challenge).
/// - The Bearer scheme, in any letter case (RFC 7235 §2.1), with a token that fails: 401
///   `invalid_token` at once.
/// - A bare token without a scheme is never accepted.
public struct BearerAuthenticator<Context: JWTAuthRequestContext>: AuthenticatorMiddleware {
    public typealias Identity = AccessToken

    public let sessions: SessionManager

    public init(sessions: SessionManager, context: Context.Type = Context.self) {
        self.sessions = sessions
    }

    public func authenticate(request: Request, context: Context) async throws -> AccessToken? {
        let values = request.headers[values: .authorization]
        guard let header = values.first else { return nil }
        guard values.count == 1 else {
            throw AuthHTTPError.invalidRequest("send one Authorization header")
        }
        guard let token = Self.bearerToken(header) else { return nil }
        do {
            return try self.sessions.verifyAccessToken(token)
        } catch {
            throw AuthHTTPError.invalidToken(Self.publicReason(error))
        }
    }

    /// The token of a `Bearer` credential, or nil when the header uses no or another scheme.
    static func bearerToken(_ header: String) -> Substring? {
        guard let space = header.firstIndex(of: " ") else { return nil }
        guard header[..<space].lowercased() == "bearer" else { return nil }
        let token = header[space...].drop(while: { $0 == " " })
        return token
    }

    /// What a client is told about a refused token: the class of failure, never the token.
    static func publicReason(_ error: JWTAuthError) -> String {
        switch error.code {
        case .expired: "the access token has expired"
        case .revoked: "the access token has been revoked"
        case .signatureInvalid, .keyUnknown, .algorithmRejected: "the access token's signature is not valid"
        case .typeInvalid: "not an access token"
        default: "the access token is not valid (\(error.code))"
        }
    }
}
