import JWTAuth
import Vapor
import VaporJWTAuth

// The examples in VaporJWTAuth's documentation comments, compiled (ReadmeTests checks that each
// is here).

func docJWTAuthUser(_ app: Application) throws {
    app.grouped(try app.jwtAuth.authenticator(), JWTAuthUser.guardMiddleware()).get("me") { req in
        let user = try req.auth.require(JWTAuthUser.self)   // or req.jwtAuth.require()
        return "\(user.subject) in session \(user.sessionID ?? "-") with roles \(user.roles)"
    }
}

func docLocalConfiguration(_ app: Application, signingKeyJWK: String) async throws {
    let key = try JWTKey(jwk: signingKeyJWK)
    var configuration = JWTAuthLocalConfiguration(
        session: SessionConfiguration(issuer: "https://auth.example.com"),
        keys: try KeyRing(signingKey: key, verificationKeys: JWTKeySet(key.publicKey ?? key)),
        database: "postgres://jwtauth@db.internal/jwtauth?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    )
    configuration.sessionStore = "redis://cache.internal:6379"
    try await app.jwtAuth.use(.local(configuration))
    try app.register(collection: app.jwtAuth.routes())
}
