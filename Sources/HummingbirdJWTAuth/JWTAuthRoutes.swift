import HTTPTypes
public import Hummingbird
import HummingbirdAuth
public import JWTAuth

/// The token server's routes (the README's HTTP API) as a reusable group: mount them in any Hummingbird
/// app whose context adopts ``JWTAuthRequestContext``.
///
/// ```swift
/// let router = Router(context: JWTAuthContext.self)
/// JWTAuthRoutes<JWTAuthContext>(sessions: sessions, accounts: accounts).addRoutes(to: router)
/// ```
public struct JWTAuthRoutes<Context: JWTAuthRequestContext>: Sendable {
    /// Sessions, token issuance and revocation.
    public let sessions: SessionManager
    /// Registration, logins and passwords.
    public let accounts: AccountManager
    /// The keys published at `/.well-known/jwks.json` (public halves only); nil publishes the
    /// session engine's key ring as it is at each request (``SessionManager/keys``).
    public let publicKeys: JWTKeySet?
    /// The `max-age` of the JWKS: how long a cache may keep it. A server that publishes keys
    /// ahead of use keeps this no longer than that, so a cache holds a key before it signs.
    public var jwksMaxAge: Duration
    /// The role that may call `/admin/*` and `/oauth/introspect`.
    public var adminRole: String
    /// Whether `POST /auth/register` is open.
    public var allowsRegistration: Bool
    /// How cookie mode behaves (see ``RefreshCookie``).
    public var refreshCookie: RefreshCookie
    /// The proxies whose `X-Forwarded-For` names the client for the login limits.
    public var trustedProxies: TrustedProxies
    /// Machine clients: with them `POST /oauth/token` also takes the client-credentials grant;
    /// without them it takes only refresh tokens.
    public var clients: ClientManager?
    /// How long the revocation feed may stay silent before it sends a heartbeat (default 15 s,
    /// at least 100 ms).
    public var revocationHeartbeat: Duration
    /// The audit log `GET /admin/audit` reads; without it the route does not exist. (Events
    /// are written through the session engine's ``SessionManager/audit``.)
    public var auditStore: (any AuditStore)?

    /// Creates the route group.
    ///
    /// - Parameters:
    ///   - sessions: Sessions, token issuance and revocation.
    ///   - accounts: Registration, logins and passwords.
    ///   - publicKeys: The keys to publish at `/.well-known/jwks.json`; nil (the default)
    ///     publishes the verification keys of `sessions.keys` of the moment, which follow key
    ///     rotation.
    ///   - jwksMaxAge: How long caches may keep the JWKS (default five minutes).
    ///   - adminRole: The role that may call `/admin/*` and `/oauth/introspect`.
    ///   - allowsRegistration: Whether `POST /auth/register` is open.
    ///   - refreshCookie: Cookie-mode settings.
    ///   - trustedProxies: The reverse proxies in front of the server, if any (see
    ///     ``TrustedProxies``); without them the connection's peer is the client.
    ///   - clients: The machine clients of the client-credentials grant, if any.
    ///   - revocationHeartbeat: How long `GET /oauth/revocations` may stay silent before it
    ///     sends a heartbeat.
    ///   - auditStore: The audit log `GET /admin/audit` reads, if any.
    ///   - context: The request context type, to help type inference.
    public init(
        sessions: SessionManager,
        accounts: AccountManager,
        publicKeys: JWTKeySet? = nil,
        jwksMaxAge: Duration = .seconds(300),
        adminRole: String = "admin",
        allowsRegistration: Bool = true,
        refreshCookie: RefreshCookie = RefreshCookie(),
        trustedProxies: TrustedProxies = .none,
        clients: ClientManager? = nil,
        revocationHeartbeat: Duration = .seconds(15),
        auditStore: (any AuditStore)? = nil,
        context: Context.Type = Context.self
    ) {
        self.sessions = sessions
        self.accounts = accounts
        self.publicKeys = publicKeys
        self.jwksMaxAge = jwksMaxAge
        self.adminRole = adminRole
        self.allowsRegistration = allowsRegistration
        self.refreshCookie = refreshCookie
        self.trustedProxies = trustedProxies
        self.clients = clients
        self.revocationHeartbeat = revocationHeartbeat
        self.auditStore = auditStore
    }

    /// Registers every route on `router`.
    public func addRoutes(to router: some RouterMethods<Context>) {
        let authenticator = BearerAuthenticator<Context>(sessions: self.sessions)
        // The feed is the one route machine clients are for.
        let clientAuthenticator = BearerAuthenticator<Context>(sessions: self.sessions, acceptsClientTokens: true)

        router.get("health") { _, _ in try await self.health() }
        // Fixed keys are encoded once; a ring's document follows its keys.
        let fixed = self.publicKeys.map { ByteBuffer(string: $0.publicJWKS()) }
        let published = PublishedKeySet(ring: self.sessions.keys)
        let cacheControl = "public, max-age=\(max(0, Int(self.jwksMaxAge.components.seconds)))"
        router.get(".well-known/jwks.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: cacheControl],
                body: ResponseBody(byteBuffer: fixed ?? published.document())
            )
        }
        router.get(".well-known/oauth-authorization-server") { _, _ in self.metadata() }

        let auth = router.group("auth")
        auth.post("register") { request, context in try await self.register(request, origin: self.origin(request, context)) }
        auth.post("login") { request, context in try await self.login(request, context: context) }
        auth.post("refresh") { request, context in try await self.refresh(request, origin: self.origin(request, context)) }
        auth.post("logout") { request, context in try await self.logout(request, origin: self.origin(request, context)) }
        auth.get("session") { request, _ in self.sessionProbe(request) }

        let signedIn = router.group("auth")
            .add(middleware: authenticator)
            .add(middleware: RequireAuthenticationMiddleware<Context>())
        signedIn.post("logout-all") { request, context in
            try await self.sessions.revokeUser(id: try self.userIdentity(context).userID, reason: .logoutAll, origin: self.origin(request, context))
            return Response(status: .noContent)
        }
        signedIn.get("sessions") { _, context in try await self.listSessions(context) }
        signedIn.delete("sessions/:id") { request, context in try await self.deleteSession(context, origin: self.origin(request, context)) }
        signedIn.post("password") { request, context in try await self.changePassword(request, context) }

        let oauth = router.group("oauth")
        oauth.post("token") { request, context in try await self.token(request, origin: self.origin(request, context)) }
        oauth.post("revoke") { request, context in try await self.revoke(request, origin: self.origin(request, context)) }
        router.group("oauth")
            .add(middleware: clientAuthenticator)
            .add(middleware: RequireScopeMiddleware<Context>(OAuthScope.revocationsRead))
            .get("revocations") { request, context in try self.revocationFeed(request, context) }

        let admin = router.group()
            .add(middleware: authenticator)
            .add(middleware: RequireRoleMiddleware<Context>(self.adminRole))
        admin.post("oauth/introspect") { request, _ in try await self.introspect(request) }
        admin.post("admin/users/:id/revoke") { request, context in try await self.adminRevoke(context, origin: self.origin(request, context)) }
        admin.post("admin/users/:id/disable") { request, context in try await self.adminSetDisabled(context, true, origin: self.origin(request, context)) }
        admin.post("admin/users/:id/enable") { request, context in try await self.adminSetDisabled(context, false, origin: self.origin(request, context)) }
        if let auditStore = self.auditStore {
            admin.get("admin/audit") { request, _ in try await self.audit(request, store: auditStore) }
        }

        let api = router.group("api")
            .add(middleware: authenticator)
            .add(middleware: RequireAuthenticationMiddleware<Context>())
        api.get("me") { _, context in JSONResponse.identity(try self.identity(context)) }
    }

    // MARK: - Handlers

    func health() async throws -> Response {
        var down: [JSONValue] = []
        do { try await self.sessions.sessions.checkHealth() } catch { down.append("sessions") }
        do { try await self.sessions.users.checkHealth() } catch { down.append("users") }
        guard down.isEmpty else {
            return JSONResponse.make(.serviceUnavailable, ["status": "unavailable", "down": .array(down)], headers: [.cacheControl: "no-store"])
        }
        return JSONResponse.make(.ok, ["status": "ok"], headers: [.cacheControl: "no-store"])
    }

    func metadata() -> Response {
        let issuer = self.sessions.configuration.issuer
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return JSONResponse.make(
            .ok,
            [
                "issuer": .string(issuer),
                "jwks_uri": .string(base + "/.well-known/jwks.json"),
                "token_endpoint": .string(self.sessions.configuration.tokenEndpoint),
                "revocation_endpoint": .string(base + "/oauth/revoke"),
                "introspection_endpoint": .string(base + "/oauth/introspect"),
                "grant_types_supported": self.clients == nil ? ["refresh_token"] : ["refresh_token", "client_credentials"],
                "token_endpoint_auth_methods_supported": self.clients == nil ? ["none"] : ["none", "client_secret_basic", "client_secret_post"],
                "revocation_endpoint_auth_methods_supported": ["none"],
                "introspection_endpoint_auth_methods_supported": ["bearer"],
                "scopes_supported": [.string(OAuthScope.revocationsRead)],
                "revocation_feed_endpoint": .string(base + "/oauth/revocations"),
            ],
            headers: [.cacheControl: "public, max-age=300"]
        )
    }

    /// Where a request came from, for the audit log.
    func origin(_ request: Request, _ context: Context) -> AuditOrigin {
        AuditOrigin(clientAddress: self.trustedProxies.clientAddress(of: request, peer: context.clientAddress), userAgent: request.headers[.userAgent])
    }

    func register(_ request: Request, origin: AuditOrigin) async throws -> Response {
        guard self.allowsRegistration else {
            throw AuthHTTPError(.forbidden, error: "access_denied", description: "registration is closed")
        }
        let fields = try await RequestFields.read(request)
        let username = try fields.required("username", maxBytes: 256)
        let password = try fields.required("password", maxBytes: 1024)
        let user = try await self.accounts.register(username: username, password: password, origin: origin)
        return JSONResponse.make(.created, ["id": .string(user.id), "username": .string(user.username)])
    }

    func login(_ request: Request, context: Context) async throws -> Response {
        let fields = try await RequestFields.read(request)
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
            address: self.trustedProxies.clientAddress(of: request, peer: context.clientAddress)
        )
        return cookieMode ? self.cookieTokens(tokens) : JSONResponse.tokens(tokens)
    }

    /// A token response whose refresh token is in the cookie, not the body.
    func cookieTokens(_ tokens: TokenResponse) -> Response {
        var headers = JSONResponse.noStore
        headers[.setCookie] = self.refreshCookie.setCookieHeader(for: tokens.refreshToken, maxAge: tokens.refreshExpiresIn)
        return JSONResponse.make(.ok, JSONResponse.members(of: tokens, includingRefreshToken: false), headers: headers)
    }

    /// `POST /oauth/token`: the refresh-token grant (RFC 6749 §6), and the client-credentials
    /// grant (§4.4) when there are clients. Form-encoded only; never reads the cookie.
    func token(_ request: Request, origin: AuditOrigin) async throws -> Response {
        let fields = try await RequestFields.read(request, form: true)
        switch try fields.required("grant_type", maxBytes: 64) {
        case "refresh_token":
            return try await self.refresh(fields, origin: origin)
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
    func refresh(_ request: Request, origin: AuditOrigin) async throws -> Response {
        let fields = try await RequestFields.read(request)
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
                return self.cookieTokens(try await self.sessions.refresh(cookie, origin: origin))
            } catch let error as JWTAuthError {
                var failure = AuthHTTPError(error, purpose: .refreshToken)
                // A dead cookie is cleared so the browser stops sending it; an outage keeps it.
                if failure.error == "invalid_grant" { failure.headers[.setCookie] = self.refreshCookie.clearCookieHeader }
                throw failure
            }
        }
        return try await self.refresh(fields, origin: origin)
    }

    /// The refresh grant with the token (and optional `client_id`) from the fields.
    func refresh(_ fields: RequestFields, origin: AuditOrigin) async throws -> Response {
        let refreshToken = try fields.required("refresh_token", maxBytes: 16 * 1024)
        let clientID = try fields.string("client_id", maxBytes: 128)
        do {
            return JSONResponse.tokens(try await self.sessions.refresh(refreshToken, clientID: clientID, origin: origin))
        } catch let error as JWTAuthError {
            throw AuthHTTPError(error, purpose: .refreshToken)
        }
    }

    func logout(_ request: Request, origin: AuditOrigin) async throws -> Response {
        let fields = try await RequestFields.read(request)
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
            try await self.sessions.logout(refreshToken: refreshToken, origin: origin)
        } catch let error as JWTAuthError {
            let failure = AuthHTTPError(error, purpose: .refreshToken)
            // During an outage the cookie is kept, because the session it names may still be
            // alive and the next logout should end it.
            guard failure.error == "invalid_grant" else { throw failure }
            // As RFC 7009 revocation: a token that is unknown, expired, revoked or not a refresh
            // token at all leaves nothing to end, so the logout has succeeded (and a dead
            // cookie is cleared).
        }
        return Response(status: .noContent, headers: headers)
    }

    /// Whether the request carries a refresh cookie. A page can ask this before a silent
    /// refresh, so that a signed-out visit is a 200 instead of a refresh that fails with a 400
    /// (which browsers show as an error). It says nothing about the cookie's validity.
    func sessionProbe(_ request: Request) -> Response {
        let present: Bool
        do {
            present = try self.refreshCookie.token(in: request) != nil
        } catch {
            present = true  // two cookies: the refresh reports that properly
        }
        return JSONResponse.make(.ok, ["refresh_cookie": .bool(present)], headers: [.cacheControl: "no-store"])
    }

    func listSessions(_ context: Context) async throws -> Response {
        let identity = try self.userIdentity(context)
        let sessions = try await self.sessions.activeSessions(of: identity.userID)
        let list: [JSONValue] = sessions.map { session in
            [
                "id": .string(session.id),
                "created_at": .integer(session.createdAt.wholeSeconds),
                "last_used_at": .integer(session.lastUsedAt.wholeSeconds),
                "expires_at": .integer(session.expiresAt.wholeSeconds),
                // Unless it is used (refreshed) before then; never later than expires_at.
                "idle_expires_at": .integer(min(session.refreshExpiresAt, session.expiresAt).wholeSeconds),
                "client_id": .string(session.clientID),
                "user_agent": session.userAgent.map(JSONValue.string) ?? .null,
                "current": .bool(session.id == identity.sessionID),
            ]
        }
        return JSONResponse.make(.ok, .array(list), headers: [.cacheControl: "no-store"])
    }

    func deleteSession(_ context: Context, origin: AuditOrigin) async throws -> Response {
        let identity = try self.userIdentity(context)
        let id = try context.parameters.require("id")
        // Another user's session is reported exactly like a missing one (the lookup is by both).
        guard try await self.sessions.revokeSession(id: id, userID: identity.userID, reason: .userRevoked, origin: origin) != nil else {
            throw AuthHTTPError(.notFound, error: "not_found", description: "no such session")
        }
        return Response(status: .noContent)
    }

    func changePassword(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try self.userIdentity(context)
        let fields = try await RequestFields.read(request)
        do {
            try await self.accounts.changePassword(
                userID: identity.userID,
                current: try fields.required("current_password", maxBytes: 1024),
                new: try fields.required("new_password", maxBytes: 1024),
                origin: self.origin(request, context)
            )
        } catch let error as JWTAuthError where error.code == .invalidCredentials {
            // Never 401 here: a client reads 401 as "refresh the access token" and would retry
            // the same wrong password with a new one.
            throw AuthHTTPError.invalidGrant("the current password is wrong")
        }
        return Response(status: .noContent)
    }

    func revoke(_ request: Request, origin: AuditOrigin) async throws -> Response {
        let fields = try await RequestFields.read(request, form: true)
        let token = try fields.required("token", maxBytes: 16 * 1024)
        _ = try fields.string("token_type_hint", maxBytes: 64)
        try await self.sessions.revoke(token: token, origin: origin)
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }

    func introspect(_ request: Request) async throws -> Response {
        let fields = try await RequestFields.read(request, form: true)
        let token = try fields.required("token", maxBytes: 16 * 1024)
        let result = try await self.sessions.introspect(token)
        guard result.isActive, let verified = result.token else {
            return JSONResponse.make(.ok, ["active": false], headers: [.cacheControl: "no-store"])
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
        return JSONResponse.make(.ok, .object(members), headers: [.cacheControl: "no-store"])
    }

    func adminRevoke(_ context: Context, origin: AuditOrigin) async throws -> Response {
        let id = try context.parameters.require("id")
        guard try await self.accounts.users.user(id: id) != nil else {
            throw AuthHTTPError(.notFound, error: "not_found", description: "no such user")
        }
        try await self.sessions.revokeUser(id: id, reason: .adminRevoked, origin: origin)
        return Response(status: .noContent)
    }

    func adminSetDisabled(_ context: Context, _ disabled: Bool, origin: AuditOrigin) async throws -> Response {
        let id = try context.parameters.require("id")
        try await self.accounts.setDisabled(userID: id, disabled, origin: origin)
        return Response(status: .noContent)
    }

    func identity(_ context: Context) throws -> AccessToken {
        guard let identity = context.identity else { throw AuthHTTPError.authenticationRequired() }
        return identity
    }

    /// The identity of a user's token: a client-credentials token has no session or password
    /// for these routes to act on (the authenticator refuses them already; this keeps the
    /// handlers right if it is ever configured otherwise).
    func userIdentity(_ context: Context) throws -> AccessToken {
        let identity = try self.identity(context)
        guard identity.isUserToken else { throw AuthHTTPError.userTokenRequired() }
        return identity
    }
}
