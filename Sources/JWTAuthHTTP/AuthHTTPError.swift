public import HTTPTypes
public import JWTAuth

/// An error as a client sees it: a status, an OAuth-style JSON body
/// (`{"error": …, "error_description": …}`) and, for authentication errors, a
/// `WWW-Authenticate` challenge (RFC 6750 §3).
public struct AuthHTTPError: Error, Sendable {
    /// The HTTP status of the response.
    public var status: HTTPResponse.Status
    /// The `error` member: `invalid_request`, `invalid_token`, `invalid_grant`, …
    public var error: String
    /// The `error_description` member. Never contains token bytes or secrets.
    public var description: String
    /// Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`; `Cache-Control: no-store`
    /// is always added.
    public var headers: HTTPFields

    /// Creates an error from its status, `error` code, description and extra headers.
    public init(_ status: HTTPResponse.Status, error: String, description: String, headers: HTTPFields = [:]) {
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers
    }

    /// The JSON error response, marked `Cache-Control: no-store`.
    public var response: AuthHTTPResponse {
        var headers = self.headers
        headers[.cacheControl] = "no-store"
        return .json(self.status, ["error": .string(self.error), "error_description": .string(self.description)], headers: headers)
    }

    /// The realm named in challenges.
    public static let realm = "jwtauth"

    /// 401 with `WWW-Authenticate: Bearer realm="jwtauth"`: no credentials were sent.
    public static func authenticationRequired() -> AuthHTTPError {
        AuthHTTPError(
            .unauthorized,
            error: "invalid_request",
            description: "this resource needs a Bearer access token",
            headers: [.wwwAuthenticate: #"Bearer realm="\#(realm)""#]
        )
    }

    /// 401 with `error="invalid_token"`: the access token is bad, expired or revoked.
    public static func invalidToken(_ reason: String) -> AuthHTTPError {
        AuthHTTPError(
            .unauthorized,
            error: "invalid_token",
            description: reason,
            headers: [.wwwAuthenticate: #"Bearer realm="\#(realm)", error="invalid_token", error_description="\#(Self.quoted(reason))""#]
        )
    }

    /// 403 with `error="insufficient_scope"`: authenticated, but without the role.
    public static func insufficientRole(_ role: String) -> AuthHTTPError {
        AuthHTTPError(
            .forbidden,
            error: "insufficient_scope",
            description: "this resource needs the \(role) role",
            headers: [.wwwAuthenticate: #"Bearer realm="\#(realm)", error="insufficient_scope", scope="\#(Self.quoted(role))""#]
        )
    }

    /// 403 with `error="insufficient_scope"`: authenticated, but the token lacks the scope.
    public static func insufficientScope(_ scope: String) -> AuthHTTPError {
        AuthHTTPError(
            .forbidden,
            error: "insufficient_scope",
            description: "this resource needs the \(scope) scope",
            headers: [.wwwAuthenticate: #"Bearer realm="\#(realm)", error="insufficient_scope", scope="\#(Self.quoted(scope))""#]
        )
    }

    /// 403 with `error="insufficient_scope"`: a machine client's token where a user's is needed.
    public static func userTokenRequired() -> AuthHTTPError {
        AuthHTTPError(
            .forbidden,
            error: "insufficient_scope",
            description: "this resource needs a user's access token, not a client's",
            headers: [.wwwAuthenticate: #"Bearer realm="\#(realm)", error="insufficient_scope""#]
        )
    }

    /// 503 with `Retry-After` when a verifier cannot currently tell a good token from a bad
    /// one (`keys_unavailable`, `revocations_stale`); nil for any other error.
    public static func verifierUnavailable(_ error: JWTAuthError) -> AuthHTTPError? {
        guard error.code == .keysUnavailable || error.code == .revocationsStale else { return nil }
        return AuthHTTPError(.serviceUnavailable, error: "temporarily_unavailable", description: "\(error.message); try again", headers: [.retryAfter: "5"])
    }

    /// 400 `invalid_request`.
    public static func invalidRequest(_ description: String) -> AuthHTTPError {
        AuthHTTPError(.badRequest, error: "invalid_request", description: description)
    }

    /// 413: the body is larger than ``AuthHTTPRequest/maximumBodyBytes``.
    public static func bodyTooLarge() -> AuthHTTPError {
        AuthHTTPError(.contentTooLarge, error: "invalid_request", description: "the request body is larger than 64 KiB")
    }

    /// 400 `invalid_grant`: the refresh token is bad, expired, revoked or reused.
    public static func invalidGrant(_ description: String) -> AuthHTTPError {
        AuthHTTPError(.badRequest, error: "invalid_grant", description: description)
    }

    /// The HTTP form of a core error raised while serving `purpose`.
    public init(_ error: JWTAuthError, purpose: Purpose = .other) {
        switch error.code {
        case .storeUnavailable:
            // The message names what failed ("Redis failed to rotate…", "the database did not
            // answer…") without internals.
            self.init(.serviceUnavailable, error: "temporarily_unavailable", description: "\(error.message); try again", headers: [.retryAfter: "1"])
        case .rateLimited:
            let seconds = Int((error.retryAfter ?? .seconds(1)).components.seconds.clamped(to: 1...86400))
            self.init(.tooManyRequests, error: "rate_limited", description: error.message, headers: [.retryAfter: String(seconds)])
        case .invalidInput:
            self = .invalidRequest(error.message)
        case .usernameTaken:
            self.init(.conflict, error: "username_taken", description: error.message)
        case .invalidCredentials, .userDisabled:
            self.init(.unauthorized, error: "invalid_credentials", description: "wrong username or password")
        case .notFound:
            self.init(.notFound, error: "not_found", description: error.message)
        case .keysUnavailable, .revocationsStale:
            self = .verifierUnavailable(error) ?? .invalidRequest(error.message)
        case .invalidClient:
            // RFC 6749 §5.2: 401 with a challenge for the scheme the client may use.
            self.init(.unauthorized, error: "invalid_client", description: error.message, headers: [.wwwAuthenticate: #"Basic realm="\#(Self.realm)""#])
        case .invalidScope:
            self.init(.badRequest, error: "invalid_scope", description: error.message)
        default:
            switch purpose {
            case .refreshToken:
                self = .invalidGrant(error.message)
            case .accessToken:
                self = .invalidToken(error.message)
            case .other:
                self = .invalidRequest(error.message)
            }
        }
    }

    /// What a token was presented for, which decides how a bad one is reported.
    public enum Purpose: Sendable {
        /// An access token: a bad one is a 401 `invalid_token` with a challenge.
        case accessToken
        /// A refresh token: a bad one is a 400 `invalid_grant`.
        case refreshToken
        /// Anything else: a bad value is a 400 `invalid_request`.
        case other
    }

    /// Escapes a value for a quoted-string in a challenge.
    private static func quoted(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == "\\" || character == "\"" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
