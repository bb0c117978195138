public import Vapor
import VaporJWTAuth

/// Configures the orders API on `app`:
///
/// - `GET /api/userOrders`: the caller's orders.
/// - `POST /api/userOrders` `{"item": "…", "quantity": 1}`: 201 and the new order.
/// - `GET /health`: 200, or 503 while tokens cannot be verified (no keys yet, a stale feed).
///
/// Every `/api` route needs `Authorization: Bearer <access token from jwtauth serve>`: 401
/// without one or with a bad, expired or revoked one, 503 while the service cannot tell.
public func configure(_ app: Application, configuration: OrdersConfiguration, orders: OrderBook = OrderBook()) async throws {
    // The issuer's keys from its JWKS, and its revocations from its feed.
    try await app.jwtAuth.use(
        .remote(issuer: configuration.issuer, audience: configuration.audience, clientID: configuration.clientID, clientSecret: configuration.clientSecret)
    )

    app.get("health") { req async throws -> Response in
        let problems = req.application.jwtAuth.problems
        let status: HTTPResponseStatus = problems.isEmpty ? .ok : .serviceUnavailable
        let body = problems.isEmpty ? ["status": "ok"] : ["status": "unavailable", "reasons": problems.joined(separator: "; ")]
        let response = try await body.encodeResponse(status: status, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    let api = app.grouped("api")
        .grouped(try app.jwtAuth.authenticator())
        .grouped(JWTAuthUser.guardMiddleware())
    api.get("userOrders") { req async throws -> [Order] in
        orders.orders(of: try req.jwtAuth.require().subject)
    }
    api.post("userOrders") { req async throws -> Response in
        let userID = try req.jwtAuth.require().subject
        let order = try req.content.decode(NewOrder.self).validated()
        return try await orders.place(order, for: userID).encodeResponse(status: .created, for: req)
    }
}
