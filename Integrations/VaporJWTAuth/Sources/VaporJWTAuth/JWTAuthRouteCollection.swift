import HTTPTypes
public import JWTAuth
public import JWTAuthHTTP
import Logging
public import Vapor

/// The token server's whole HTTP contract mounted in a Vapor app: health, JWKS and metadata,
/// register, login, refresh, logout, logout-all, sessions, password, the OAuth token,
/// revocation, introspection and revocation-feed endpoints, and the admin routes.
///
/// The routes are the framework-neutral ``AuthEndpoints``: each request is handed over with
/// its body (at most 64 KiB, else 413), headers, peer address and path parameters, its access
/// rule applied first (401 + `WWW-Authenticate`, 403 `insufficient_scope`), and the answer —
/// errors in the `{"error", "error_description"}` shape included — written back as is.
///
/// ```swift
/// try await app.jwtAuth.use(.local(configuration))
/// try app.register(collection: app.jwtAuth.routes())
/// ```
public struct JWTAuthRouteCollection: RouteCollection, Sendable {
    /// The routes and their handlers.
    public let endpoints: AuthEndpoints
    let users: AccessTokenAuthentication
    let clients: AccessTokenAuthentication
    let streams: EventStreams

    /// Creates the collection over `endpoints`, authenticating with `sessions`. Prefer
    /// ``Application/JWTAuthentication/routes()``, which also ends open revocation-feed
    /// streams when the app shuts down.
    public init(endpoints: AuthEndpoints, sessions: SessionManager) {
        self.init(endpoints: endpoints, sessions: sessions, streams: EventStreams())
    }

    init(endpoints: AuthEndpoints, sessions: SessionManager, streams: EventStreams) {
        self.endpoints = endpoints
        self.users = AccessTokenAuthentication(sessions: sessions)
        // Scope rules are for machine clients (the revocation feed's readers).
        self.clients = AccessTokenAuthentication(sessions: sessions, acceptsClientTokens: true)
        self.streams = streams
    }

    /// Registers every route on `routes`.
    public func boot(routes: any RoutesBuilder) throws {
        for route in self.endpoints.routes {
            let parameterNames = route.pathComponents.filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
            let path = route.pathComponents.map { PathComponent(stringLiteral: $0) }
            // Streamed, so that the 64 KiB limit is ours (Vapor would collect 16 KiB and answer
            // a larger body in its own error shape).
            routes.on(HTTPMethod(rawValue: route.method.rawValue), path, body: .stream) { request async -> Response in
                await self.respond(to: request, route: route, parameterNames: parameterNames)
            }
        }
    }

    func respond(to request: Request, route: AuthRoute, parameterNames: [String]) async -> Response {
        do {
            var authRequest = try await request.authHTTPRequest(parameterNames: parameterNames)
            if route.access != .anyone {
                let authentication = route.access.admitsClientTokens ? self.clients : self.users
                let identity = try await authentication.authenticate(authRequest.headers)
                authRequest.identity = try AccessTokenAuthentication.authorize(identity, for: route.access)
                if let identity = authRequest.identity { request.auth.login(JWTAuthUser(identity)) }
            }
            return Response.from(try await route.handler(authRequest), streams: self.streams)
        } catch {
            // Expected failures (bad input, wrong passwords, bad tokens) are answers, not faults.
            if !(error is AuthHTTPError || error is JWTAuthError) {
                // Answered as a bare 500; the cause is for the operator (core messages never
                // carry token bytes or secrets).
                request.logger.error("jwtauth route failed", metadata: ["route": "\(route.path)", "error": "\(error)"])
            }
            return Response.from(AuthEndpoints.errorResponse(for: error), streams: self.streams)
        }
    }
}
