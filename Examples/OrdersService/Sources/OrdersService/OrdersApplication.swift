import Hummingbird
import HummingbirdJWTAuth
import JWTAuth
import JWTAuthRemote
import Logging

/// The orders API, ready to run: routes, the token verification, and the two background
/// services that keep the issuer's keys and revocations up to date.
///
/// - `GET /api/userOrders`: the caller's orders.
/// - `POST /api/userOrders` `{"item": "…", "quantity": 1}`: 201 and the new order; 400 for a bad
///   body.
/// - `GET /health`: 200, or 503 while tokens cannot be verified (no keys yet, a stale feed).
///
/// Every `/api` route needs `Authorization: Bearer <access token from jwtauth serve>`: 401
/// without one or with a bad, expired or revoked one, 503 while the service cannot tell.
public func buildOrdersApplication(
    configuration: OrdersConfiguration,
    orders: OrderBook = OrderBook(),
    logger: Logger = Logger(label: "orders")
) throws -> some ApplicationProtocol {
    // 1. The issuer's keys: discovered from its metadata, cached, refetched for a new kid.
    let keys = try RemoteKeySet(configuration: RemoteKeySetConfiguration(issuer: configuration.issuer), logger: logger)
    // 2. Its revocations: a Server-Sent Events feed read with this service's client credentials.
    let revocations: RemoteRevocations?
    if let clientID = configuration.clientID, let secret = configuration.clientSecret {
        revocations = try RemoteRevocations(
            configuration: RemoteRevocationsConfiguration(issuer: configuration.issuer, clientID: clientID, clientSecret: secret),
            keySet: keys,
            logger: logger
        )
    } else {
        revocations = nil
        logger.warning("no --client-id: the revocation feed is off, so a revoked token is accepted until it expires")
    }
    // 3. The verifier: signature, issuer, audience, lifetime, at+jwt, then revocation.
    let verifier = try RemoteAccessTokenVerifier(
        keySet: keys,
        revocations: revocations,
        audiences: [configuration.audience ?? configuration.issuer]
    )

    let router = Router(context: JWTAuthContext.self)
    router.add(middleware: ErrorMiddleware(logger: logger))
    router.get("health") { _, _ in healthResponse(verifier.problems) }

    let api = router.group("api")
        .add(middleware: BearerAuthenticator(verifier: verifier))
        .add(middleware: RequireAuthenticationMiddleware())
    api.get("userOrders") { _, context in
        orders.orders(of: try context.requireIdentity().userID)
    }
    api.post("userOrders") { request, context -> EditedResponse<Order> in
        let userID = try context.requireIdentity().userID
        let order = try await request.decode(as: NewOrder.self, context: context).validated()
        return EditedResponse(status: .created, response: orders.place(order, for: userID))
    }

    var app = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "orders"),
        logger: logger
    )
    app.addServices(keys)
    if let revocations { app.addServices(revocations) }
    return app
}

/// 200 `{"status":"ok"}`, or 503 with the reasons tokens cannot be verified right now.
func healthResponse(_ problems: [String]) -> Response {
    guard problems.isEmpty else {
        return JSONResponse.make(
            .serviceUnavailable,
            ["status": "unavailable", "reasons": .array(problems.map(JSONValue.string))],
            headers: [.cacheControl: "no-store", .retryAfter: "5"]
        )
    }
    return JSONResponse.make(.ok, ["status": "ok"], headers: [.cacheControl: "no-store"])
}
