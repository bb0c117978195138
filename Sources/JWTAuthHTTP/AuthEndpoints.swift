import HTTPTypes
public import JWTAuth

/// The token server's HTTP contract (the README's HTTP API) without a web framework: every
/// route as an ``AuthRoute`` that takes an ``AuthHTTPRequest`` and gives an
/// ``AuthHTTPResponse``. Hummingbird's `JWTAuthRoutes` and Vapor's route collection mount
/// ``routes`` as they are, so both answer byte for byte the same.
///
/// An adapter, for each route: collects the body (at most ``AuthHTTPRequest/maximumBodyBytes``),
/// authenticates with ``AccessTokenAuthentication`` unless the route is open to anyone, applies
/// ``AccessTokenAuthentication/authorize(_:for:)``, calls the handler, and writes what it returns
/// or ``errorResponse(for:)`` of what it throws.
public struct AuthEndpoints: Sendable {
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
    /// The proxies whose `X-Forwarded-For` names the client for the login limits and the audit.
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

    /// Creates the endpoints.
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
        auditStore: (any AuditStore)? = nil
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

    /// Every route, in the order they are documented.
    public var routes: [AuthRoute] {
        let jwks = self.jwksRoute()
        var routes = [
            AuthRoute(.get, "/health") { _ in await self.health() },
            AuthRoute(.get, "/.well-known/jwks.json") { _ in jwks() },
            AuthRoute(.get, "/.well-known/oauth-authorization-server") { _ in self.metadata() },

            AuthRoute(.post, "/auth/register") { try await self.register($0) },
            AuthRoute(.post, "/auth/login") { try await self.login($0) },
            AuthRoute(.post, "/auth/refresh") { try await self.refresh($0) },
            AuthRoute(.post, "/auth/logout") { try await self.logout($0) },
            AuthRoute(.get, "/auth/session") { self.sessionProbe($0) },
            AuthRoute(.post, "/auth/logout-all", access: .user) { try await self.logoutAll($0) },
            AuthRoute(.get, "/auth/sessions", access: .user) { try await self.listSessions($0) },
            AuthRoute(.delete, "/auth/sessions/:id", access: .user) { try await self.deleteSession($0) },
            AuthRoute(.post, "/auth/password", access: .user) { try await self.changePassword($0) },

            AuthRoute(.post, "/oauth/token") { try await self.token($0) },
            AuthRoute(.post, "/oauth/revoke") { try await self.revoke($0) },
            AuthRoute(.get, "/oauth/revocations", access: .scope(OAuthScope.revocationsRead)) { try self.revocationFeed($0) },
            AuthRoute(.post, "/oauth/introspect", access: .role(self.adminRole)) { try await self.introspect($0) },

            AuthRoute(.post, "/admin/users/:id/revoke", access: .role(self.adminRole)) { try await self.adminRevoke($0) },
            AuthRoute(.post, "/admin/users/:id/disable", access: .role(self.adminRole)) { try await self.adminSetDisabled($0, true) },
            AuthRoute(.post, "/admin/users/:id/enable", access: .role(self.adminRole)) { try await self.adminSetDisabled($0, false) },
        ]
        if let auditStore = self.auditStore {
            routes.append(AuthRoute(.get, "/admin/audit", access: .role(self.adminRole)) { try await self.audit($0, store: auditStore) })
        }
        routes.append(AuthRoute(.get, "/api/me", access: .user) { .identity(try Self.identity($0)) })
        return routes
    }

    /// The response for a failure of a handler, an adapter or its framework: an
    /// ``AuthHTTPError`` as it is, a core ``JWTAuthError`` by its code, anything else a 500
    /// `server_error` that says nothing of the underlying error (it might hold input).
    public static func errorResponse(for error: any Error) -> AuthHTTPResponse {
        switch error {
        case let error as AuthHTTPError:
            return error.response
        case let error as JWTAuthError:
            return AuthHTTPError(error).response
        default:
            return AuthHTTPError(.internalServerError, error: "server_error", description: "the server failed to handle the request").response
        }
    }

    /// Where a request came from, for the login limits and the audit log.
    func origin(_ request: AuthHTTPRequest) -> AuditOrigin {
        AuditOrigin(clientAddress: self.clientAddress(request), userAgent: request.headers[.userAgent])
    }

    /// The client that sent `request`: its peer unless that is a trusted proxy, else what
    /// `X-Forwarded-For` says.
    func clientAddress(_ request: AuthHTTPRequest) -> String? {
        guard !self.trustedProxies.isEmpty, let name = HTTPField.Name("X-Forwarded-For") else { return request.peer }
        return self.trustedProxies.clientAddress(peer: request.peer, forwardedFor: request.headers[values: name])
    }

    /// The verified token the adapter put on the request.
    static func identity(_ request: AuthHTTPRequest) throws -> AccessToken {
        guard let identity = request.identity else { throw AuthHTTPError.authenticationRequired() }
        return identity
    }

    /// The identity of a user's token: a client-credentials token has no session or password
    /// for these routes to act on (the access rule refuses them already; this keeps the
    /// handlers right if an adapter is ever configured otherwise).
    static func userIdentity(_ request: AuthHTTPRequest) throws -> AccessToken {
        let identity = try Self.identity(request)
        guard identity.isUserToken else { throw AuthHTTPError.userTokenRequired() }
        return identity
    }

    /// A path parameter the route pattern guarantees.
    static func parameter(_ name: String, of request: AuthHTTPRequest) throws -> String {
        guard let value = request.parameters[name], !value.isEmpty else { throw AuthHTTPError.invalidRequest("\(name) is required") }
        return value
    }
}
