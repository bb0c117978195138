import Hummingbird
import HummingbirdJWTAuth
import JWTAuth
import Logging

// README, "Using the library": protecting Hummingbird routes and mounting the token server.
func mountTokenServer(sessions: SessionManager, accounts: AccountManager, logger: Logger) -> Router<JWTAuthContext> {
    let router = Router(context: JWTAuthContext.self)
    router.add(middleware: ErrorMiddleware(logger: logger))
    JWTAuthRoutes<JWTAuthContext>(sessions: sessions, accounts: accounts).addRoutes(to: router)   // JWKS: sessions.keys
    router.group("reports")
        .add(middleware: BearerAuthenticator(sessions: sessions))
        .add(middleware: RequireRoleMiddleware("admin"))
        .get { _, context in "for admins only" }
    return router
}
