import Hummingbird
import HummingbirdJWTAuth
import JWTAuthRemote
import JWTAuth
import Logging

// README, "Services that verify only": a Hummingbird API verifying an issuer's tokens offline.
func runVerifyingService(clientID: String, secret: String, logger: Logger) async throws {
    let issuer = "https://auth.example.com"
    let keys = try RemoteKeySet(configuration: RemoteKeySetConfiguration(issuer: issuer))
    let revocations = try RemoteRevocations(
        configuration: RemoteRevocationsConfiguration(issuer: issuer, clientID: clientID, clientSecret: secret),
        keySet: keys)   // the client: jwtauth clients add orders-api --scope revocations:read
    let verifier = try RemoteAccessTokenVerifier(keySet: keys, revocations: revocations, audiences: ["orders-api"])

    let router = Router(context: JWTAuthContext.self)
    router.add(middleware: ErrorMiddleware(logger: logger))
    router.group("api")
        .add(middleware: BearerAuthenticator(verifier: verifier))
        .add(middleware: RequireAuthenticationMiddleware())
        .get("orders") { _, context in try await orders(for: context.requireIdentity()) }
    var app = Application(router: router)
    app.addServices(keys, revocations)
    try await app.runService()
}

/// Stands for the service's own handler.
func orders(for identity: AccessToken) async throws -> String { identity.userID }
