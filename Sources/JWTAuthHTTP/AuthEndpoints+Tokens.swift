import HTTPTypes
import JWTAuth

extension AuthEndpoints {
    /// `POST /auth/login`: username and password for a token pair; the refresh token in the
    /// body, or in the cookie with `"mode": "cookie"`.
    func login(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let fields = try RequestFields.read(request)
        let username = try fields.required("username", maxBytes: 256)
        let password = try fields.required("password", maxBytes: 1024)
        let clientID = try fields.string("client_id", maxBytes: 128)
        let cookieMode: Bool
        switch try fields.string("mode", maxBytes: 16) {
        case nil: cookieMode = self.refreshCookie.appliesToEveryLogin
        case "cookie": cookieMode = true
        case "json": cookieMode = false
        default: throw AuthHTTPError.invalidRequest("mode is cookie or json")
        }
        // A login that sets the cookie is held to the same origin checks as the requests that
        // use it (no login CSRF).
        if cookieMode { try self.refreshCookie.validateCSRF(request) }
        let tokens = try await self.accounts.login(
            username: username,
            password: password,
            clientID: clientID,
            userAgent: request.headers[.userAgent],
            address: self.clientAddress(request)
        )
        return cookieMode ? self.cookieTokens(tokens) : .tokens(tokens)
    }

    /// A token response whose refresh token is in the cookie, not the body.
    func cookieTokens(_ tokens: TokenResponse) -> AuthHTTPResponse {
        var headers = AuthHTTPResponse.noStore
        headers[.setCookie] = self.refreshCookie.setCookieHeader(for: tokens.refreshToken, maxAge: tokens.refreshExpiresIn)
        return .json(.ok, AuthHTTPResponse.members(of: tokens, includingRefreshToken: false), headers: headers)
    }

    /// `POST /oauth/token`: the refresh-token grant (RFC 6749 §6), and the client-credentials
    /// grant (§4.4) when there are clients. Form-encoded only; never reads the cookie.
    func token(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let fields = try RequestFields.read(request, form: true)
        switch try fields.required("grant_type", maxBytes: 64) {
        case "refresh_token":
            return try await self.refresh(fields, origin: self.origin(request))
        case "client_credentials":
            guard let clients = self.clients else { break }
            return try await self.clientCredentials(request, fields, clients: clients)
        default:
            break
        }
        throw AuthHTTPError(
            .badRequest,
            error: "unsupported_grant_type",
            description: self.clients == nil ? "only the refresh_token grant is supported" : "grant_type is refresh_token or client_credentials"
        )
    }

    /// `POST /auth/refresh`: a refresh token in a JSON or form body, or in the cookie.
    func refresh(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let fields = try RequestFields.read(request)
        if fields.values["grant_type"] != nil {
            let grantType = try fields.required("grant_type", maxBytes: 64)
            guard grantType == "refresh_token" else {
                throw AuthHTTPError(.badRequest, error: "unsupported_grant_type", description: "only the refresh_token grant is supported")
            }
        }
        // Cookie mode: no token in the body, the cookie instead.
        if fields.values["refresh_token"] == nil, let cookie = try self.refreshCookie.token(in: request) {
            try self.refreshCookie.validateCSRF(request)
            do {
                return self.cookieTokens(try await self.sessions.refresh(cookie, origin: self.origin(request)))
            } catch let error as JWTAuthError {
                var failure = AuthHTTPError(error, purpose: .refreshToken)
                // A dead cookie is cleared so the browser stops sending it; an outage keeps it.
                if failure.error == "invalid_grant" { failure.headers[.setCookie] = self.refreshCookie.clearCookieHeader }
                throw failure
            }
        }
        return try await self.refresh(fields, origin: self.origin(request))
    }

    /// The refresh grant with the token (and optional `client_id`) from the fields.
    func refresh(_ fields: RequestFields, origin: AuditOrigin) async throws -> AuthHTTPResponse {
        let refreshToken = try fields.required("refresh_token", maxBytes: 16 * 1024)
        let clientID = try fields.string("client_id", maxBytes: 128)
        do {
            return .tokens(try await self.sessions.refresh(refreshToken, clientID: clientID, origin: origin))
        } catch let error as JWTAuthError {
            throw AuthHTTPError(error, purpose: .refreshToken)
        }
    }

    /// `POST /auth/logout`: ends the session of a refresh token (body or cookie).
    func logout(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let fields = try RequestFields.read(request)
        var headers: HTTPFields = [:]
        let refreshToken: String
        if fields.values["refresh_token"] == nil, let cookie = try self.refreshCookie.token(in: request) {
            try self.refreshCookie.validateCSRF(request)
            refreshToken = cookie
            headers[.setCookie] = self.refreshCookie.clearCookieHeader
        } else {
            refreshToken = try fields.required("refresh_token", maxBytes: 16 * 1024)
        }
        do {
            try await self.sessions.logout(refreshToken: refreshToken, origin: self.origin(request))
        } catch let error as JWTAuthError {
            let failure = AuthHTTPError(error, purpose: .refreshToken)
            // During an outage the cookie is kept, because the session it names may still be
            // alive and the next logout should end it.
            guard failure.error == "invalid_grant" else { throw failure }
            // As RFC 7009 revocation: a token that is unknown, expired, revoked or not a refresh
            // token at all leaves nothing to end, so the logout has succeeded (and a dead
            // cookie is cleared).
        }
        return AuthHTTPResponse(status: .noContent, headers: headers)
    }

    /// `GET /auth/session`: whether the request carries a refresh cookie. A page can ask this
    /// before a silent refresh, so that a signed-out visit is a 200 instead of a refresh that
    /// fails with a 400 (which browsers show as an error). It says nothing of the cookie's
    /// validity.
    func sessionProbe(_ request: AuthHTTPRequest) -> AuthHTTPResponse {
        let present: Bool
        do {
            present = try self.refreshCookie.token(in: request) != nil
        } catch {
            present = true  // two cookies: the refresh reports that properly
        }
        return .json(.ok, ["refresh_cookie": .bool(present)], headers: [.cacheControl: "no-store"])
    }

    /// `POST /oauth/revoke` (RFC 7009).
    func revoke(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let fields = try RequestFields.read(request, form: true)
        let token = try fields.required("token", maxBytes: 16 * 1024)
        _ = try fields.string("token_type_hint", maxBytes: 64)
        try await self.sessions.revoke(token: token, origin: self.origin(request))
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        return AuthHTTPResponse(status: .ok, headers: [.cacheControl: "no-store"])
    }

    /// `POST /oauth/introspect` (RFC 7662), for the admin role.
    func introspect(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let fields = try RequestFields.read(request, form: true)
        let token = try fields.required("token", maxBytes: 16 * 1024)
        let result = try await self.sessions.introspect(token)
        guard result.isActive, let verified = result.token else {
            return .json(.ok, ["active": false], headers: [.cacheControl: "no-store"])
        }
        let claims = verified.claims
        var members: [String: JSONValue] = ["active": true]
        members["token_type"] = result.tokenType.map(JSONValue.string)
        members["sub"] = claims.subject.map(JSONValue.string)
        members["client_id"] = claims.clientID.map(JSONValue.string)
        members["iss"] = claims.issuer.map(JSONValue.string)
        members["aud"] = claims.audience.map { $0.count == 1 ? .string($0[0]) : .array($0.map(JSONValue.string)) }
        members["exp"] = claims.expiresAt.map { .integer($0.wholeSeconds) }
        members["iat"] = claims.issuedAt.map { .integer($0.wholeSeconds) }
        members["nbf"] = claims.notBefore.map { .integer($0.wholeSeconds) }
        members["jti"] = claims.tokenID.map(JSONValue.string)
        members["sid"] = claims.sessionID.map(JSONValue.string)
        members["scope"] = claims.scope.map(JSONValue.string)
        members["roles"] = claims.roles.map { .array($0.map(JSONValue.string)) }
        members["username"] = verified.claim(SessionManager.usernameClaim)
        return .json(.ok, .object(members), headers: [.cacheControl: "no-store"])
    }
}
