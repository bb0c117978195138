import JWTAuth
import Vapor
import VaporJWTAuth

// README-BEGIN: verify
// configure.swift of an existing Vapor app: tokens from `jwtauth serve`, checked offline.
func configureJWTAuth(_ app: Application) async throws {
    try await app.jwtAuth.use(.remote(
        issuer: "https://auth.example.com",              // keys from its JWKS
        clientID: Environment.get("JWTAUTH_CLIENT_ID"),  // revocations from its feed
        clientSecret: Environment.get("JWTAUTH_CLIENT_SECRET")))

    let api = app.grouped("api")
        .grouped(try app.jwtAuth.authenticator())        // 401 + WWW-Authenticate, JSON errors
        .grouped(JWTAuthUser.guardMiddleware())
    api.get("userOrders") { req async throws -> [String] in
        let user = try req.jwtAuth.require()             // sub, sid, roles, scope, client id
        return ["orders of \(user.subject)"]
    }
    api.grouped(JWTAuthUser.guardRole("admin")).get("reports") { _ in "admins only" }
}
// README-END: verify

// README-BEGIN: issue
// Or issue the tokens in the app itself: the token server's routes and stores.
func configureTokenServer(_ app: Application, signingKey: JWTKey) async throws {
    try await app.jwtAuth.use(.local(JWTAuthLocalConfiguration(
        session: SessionConfiguration(issuer: "https://api.example.com"),
        keys: try KeyRing(signingKey: signingKey, verificationKeys: JWTKeySet(signingKey.publicKey ?? signingKey)),
        database: "sqlite:data/jwtauth.sqlite")))         // or postgres://…, + sessionStore: "redis://…"
    try app.register(collection: app.jwtAuth.routes())   // /auth/*, /oauth/*, JWKS, metadata, /admin/*
}
// README-END: issue
