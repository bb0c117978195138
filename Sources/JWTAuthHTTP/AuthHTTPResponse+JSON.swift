public import HTTPTypes
public import JWTAuth

extension AuthHTTPResponse {
    /// A response whose body is a JSON object with these members.
    public static func json(_ status: HTTPResponse.Status, _ members: [String: JSONValue], headers: HTTPFields = [:]) -> AuthHTTPResponse {
        self.json(status, JSONValue.object(members), headers: headers)
    }

    /// A response whose body is `value` as JSON (JWTAuth's own compact writer, sorted members),
    /// with `Content-Type: application/json; charset=utf-8`.
    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> AuthHTTPResponse {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return AuthHTTPResponse(status: status, headers: headers, body: .bytes(Array(value.jsonString.utf8)))
    }

    /// `Cache-Control: no-store` and `Pragma: no-cache`, as RFC 6749 §5.1 asks of responses
    /// that carry tokens.
    public static var noStore: HTTPFields {
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if let pragma = HTTPField.Name("Pragma") { headers[pragma] = "no-cache" }
        return headers
    }

    /// A token response (RFC 6749 §5.1), never cached.
    public static func tokens(_ tokens: TokenResponse) -> AuthHTTPResponse {
        self.json(.ok, Self.members(of: tokens, includingRefreshToken: true), headers: Self.noStore)
    }

    /// A client-credentials token response (RFC 6749 §4.4.3: no refresh token), never cached.
    public static func tokens(_ tokens: ClientTokenResponse) -> AuthHTTPResponse {
        self.json(
            .ok,
            [
                "access_token": .string(tokens.accessToken),
                "token_type": .string(tokens.tokenType),
                "expires_in": .integer(Int64(tokens.expiresIn)),
                "scope": .string(tokens.scope),
            ],
            headers: Self.noStore
        )
    }

    /// The members of a token response; cookie mode leaves the refresh token out of the body.
    static func members(of tokens: TokenResponse, includingRefreshToken: Bool) -> [String: JSONValue] {
        var members: [String: JSONValue] = [
            "access_token": .string(tokens.accessToken),
            "token_type": .string(tokens.tokenType),
            "expires_in": .integer(Int64(tokens.expiresIn)),
            "refresh_expires_in": .integer(Int64(tokens.refreshExpiresIn)),
        ]
        if includingRefreshToken { members["refresh_token"] = .string(tokens.refreshToken) }
        return members
    }

    /// Who an access token belongs to — the body of `GET /api/me` — never cached.
    public static func identity(_ identity: AccessToken) -> AuthHTTPResponse {
        self.json(
            .ok,
            [
                "sub": .string(identity.userID),
                "username": identity.username.map(JSONValue.string) ?? .null,
                "roles": .array(identity.roles.map(JSONValue.string)),
                "sid": identity.sessionID.map(JSONValue.string) ?? .null,
                "client_id": .string(identity.clientID),
            ],
            headers: [.cacheControl: "no-store"]
        )
    }
}
