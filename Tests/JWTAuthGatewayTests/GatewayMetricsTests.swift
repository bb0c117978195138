import AsyncHTTPClient
import JWTAuth
import JWTAuthGateway
import JWTAuthPrometheus
import Prometheus
import Testing

/// The gateway's metrics: every verification result of a proxied request, and requests per
/// route (`/health` and `proxy`), with nothing from the request in a label.
@Suite("Gateway metrics")
struct GatewayMetricsTests {
    @Test("Verification results and per-route requests are counted; no label carries the path, the token or an address")
    func countsVerificationsAndRoutes() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login()
        let registry = PrometheusCollectorRegistry()
        try await withGateway(issuer: issuer, metricsFactory: PrometheusExporter.makeFactory(registry: registry)) { client, base, _ in
            let bearer = [("Authorization", "Bearer \(pair.accessToken)")]
            let statuses = [
                try await client.send(base + "/api/orders/4711", headers: bearer).status,
                try await client.send(base + "/api/orders/4712", headers: bearer).status,
                try await client.send(base + "/api/orders/4711", headers: [("Authorization", "Bearer garbage")]).status,
                try await client.send(base + "/api/orders/4711").status,
                try await client.send(base + "/health").status,
            ]
            #expect(statuses == [200, 200, 401, 401, 200])
        }
        let text = registry.emitToString()
        for line in [
            #"jwtauth_token_verifications_total{result="ok"} 2"#,
            #"jwtauth_token_verifications_total{result="malformed"} 1"#,
            #"jwtauth_http_requests_total{method="GET",route="proxy",status="200"} 2"#,
            #"jwtauth_http_requests_total{method="GET",route="proxy",status="401"} 2"#,
            #"jwtauth_http_requests_total{method="GET",route="/health",status="200"} 1"#,
        ] {
            #expect(text.split(separator: "\n").contains { $0 == line }, "missing \(line) in:\n\(text)")
        }
        for forbidden in ["4711", "4712", "/api", pair.accessToken, "garbage", "127.0.0.1"] {
            #expect(!text.contains(forbidden), "\(forbidden) in:\n\(text)")
        }
        // The gateway issues nothing: no login series in its scrape.
        #expect(!text.contains("jwtauth_logins_total"))
    }
}
