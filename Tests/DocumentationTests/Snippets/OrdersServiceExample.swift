import Hummingbird
import HummingbirdJWTAuth
import JWTAuthRemote
import Logging

// Examples/OrdersService/README.md, "How it works": the twenty lines to copy.
func runOrdersService(issuer: String, clientID: String, secret: String, logger: Logger, orders: SnippetOrderBook) async throws {
    let keys = try RemoteKeySet(configuration: RemoteKeySetConfiguration(issuer: issuer))
    let revocations = try RemoteRevocations(
        configuration: RemoteRevocationsConfiguration(issuer: issuer, clientID: clientID, clientSecret: secret),
        keySet: keys)
    let verifier = try RemoteAccessTokenVerifier(keySet: keys, revocations: revocations, audiences: [issuer])

    let router = Router(context: JWTAuthContext.self)
    router.add(middleware: ErrorMiddleware(logger: logger))
    let api = router.group("api")
        .add(middleware: BearerAuthenticator(verifier: verifier))
        .add(middleware: RequireAuthenticationMiddleware())
    api.get("userOrders") { _, context in orders.orders(of: try context.requireIdentity().userID) }

    var app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8082)))
    app.addServices(keys, revocations)        // they fetch, refresh and reconnect in the background
    try await app.runService()
}

/// Stands for the example's order book.
struct SnippetOrderBook: Sendable {
    func orders(of userID: String) -> [String] { [userID] }
}
