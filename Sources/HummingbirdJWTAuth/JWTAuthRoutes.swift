import HTTPTypes
public import Hummingbird
import HummingbirdAuth
public import JWTAuth
@_exported public import JWTAuthHTTP

/// The token server's routes (the README's HTTP API, ``AuthEndpoints``) as a reusable group:
/// mount them in any Hummingbird app whose context adopts ``JWTAuthRequestContext``.
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

    /// The framework-neutral endpoints these routes mount.
    public var endpoints: AuthEndpoints {
        AuthEndpoints(
            sessions: self.sessions,
            accounts: self.accounts,
            publicKeys: self.publicKeys,
            jwksMaxAge: self.jwksMaxAge,
            adminRole: self.adminRole,
            allowsRegistration: self.allowsRegistration,
            refreshCookie: self.refreshCookie,
            trustedProxies: self.trustedProxies,
            clients: self.clients,
            revocationHeartbeat: self.revocationHeartbeat,
            auditStore: self.auditStore
        )
    }

    /// Registers every route of ``endpoints`` on `router`, each behind the authenticator and
    /// the guard its access rule asks for.
    public func addRoutes(to router: some RouterMethods<Context>) {
        let users = router.group()
            .add(middleware: BearerAuthenticator<Context>(sessions: self.sessions))
            .add(middleware: RequireAuthenticationMiddleware<Context>())
        // Client-credentials tokens only where a scope is asked for (the revocation feed).
        let clients = router.group()
            .add(middleware: BearerAuthenticator<Context>(sessions: self.sessions, acceptsClientTokens: true))
            .add(middleware: RequireAuthenticationMiddleware<Context>())
        for route in self.endpoints.routes {
            let path = RouterPath(route.path)
            let handler: @Sendable (Request, Context) async throws -> Response = { request, context in
                let access = route.access
                let identity = try AccessTokenAuthentication.authorize(context.identity, for: access)
                var request = request
                let authRequest = try await AuthHTTPRequest(&request, context: context, identity: identity)
                return try await route.handler(authRequest).response(for: request)
            }
            switch route.access {
            case .anyone: router.on(path, method: route.method, use: handler)
            case .user, .role: users.on(path, method: route.method, use: handler)
            case .scope: clients.on(path, method: route.method, use: handler)
            }
        }
    }
}
