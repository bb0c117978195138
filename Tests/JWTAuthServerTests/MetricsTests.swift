import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTAuth
import JWTAuthPrometheus
import JWTAuthServer
import NIOHTTP1
import Prometheus
import Testing

/// The server's metrics, read from a Prometheus registry of the test's own: each counter moves
/// by exactly what the requests did, and no label carries a user, a token or an address.
@Suite("Metrics")
struct MetricsTests {
    @Test("Logins, refreshes, reuse, logout, admin revoke and the rate limit each move their counter by exactly what happened (live socket)")
    func countersFollowTheRequests() async throws {
        let registry = PrometheusCollectorRegistry()
        let username = "metrics-user-q7z"
        try await ServerFixture.with({
            $0.loginLimitPerUsername = .init(attempts: 2, window: .seconds(900))
        }) { fixture in
            try await fixture.addUser(Admin.username, password: Admin.password, roles: ["admin"])
            let app = try await buildApplication(
                configuration: fixture.configuration,
                logger: .quiet,
                clock: fixture.clock,
                metricsFactory: PrometheusExporter.makeFactory(registry: registry)
            )
            let secrets = try await app.test(.live) { client in
                let api = API(client: client, clock: fixture.clock)
                let admin = try await api.loginAdmin()
                let id = try await api.register(username)
                let first = try await api.login(username)
                expectError(try await api.loginResponse(username, "wrong password here"), .unauthorized, "invalid_credentials")
                #expect(try await api.me(first.access).status == .ok)
                expectInvalidToken(try await api.me("not-a-token"))

                let refreshed = try await api.refresh(first.refresh)
                #expect(refreshed.status == .ok, "\(refreshed.text)")
                expectInvalidGrant(try await api.refresh(first.refresh), "a replayed refresh token")

                let second = try await api.login(username)
                #expect(try await api.post("/auth/logout", fields: ["refresh_token": second.refresh]).status == .noContent)
                #expect(try await api.post("/admin/users/\(id)/revoke", bearer: admin.access).status == .noContent)

                let victim = "metrics-victim-k3"
                try await api.register(victim)
                for _ in 1...2 {
                    expectError(try await api.loginResponse(victim, "wrong password here"), .unauthorized, "invalid_credentials")
                }
                expectError(try await api.loginResponse(victim, "correct horse battery"), .tooManyRequests, "rate_limited")
                #expect(try await api.get("/no/such/route/\(id)").status == .notFound)
                return [username, victim, id, admin.access, admin.refresh, first.access, first.refresh, second.access, second.refresh]
            }

            let scrape = Scrape(registry.emitToString())
            #expect(scrape["jwtauth_logins_total", ["result": "ok"]] == 3)
            #expect(scrape["jwtauth_logins_total", ["result": "invalid_credentials"]] == 3)
            #expect(scrape["jwtauth_logins_total", ["result": "rate_limited"]] == 1)
            #expect(scrape["jwtauth_rate_limited_total", [:]] == 1)
            #expect(scrape["jwtauth_refreshes_total", ["result": "ok"]] == 1)
            #expect(scrape["jwtauth_refreshes_total", ["result": "reuse_detected"]] == 1)
            #expect(scrape["jwtauth_revocations_total", ["kind": "reuse_detected"]] == 1)
            #expect(scrape["jwtauth_revocations_total", ["kind": "logout"]] == 1)
            #expect(scrape["jwtauth_revocations_total", ["kind": "admin_revoked"]] == 1)
            // /api/me with a good token, the admin's revoke; and one garbage token.
            #expect(scrape["jwtauth_token_verifications_total", ["result": "ok"]] == 2)
            #expect(scrape["jwtauth_token_verifications_total", ["result": "malformed"]] == 1)
            #expect(scrape["jwtauth_store_operation_duration_seconds_count", ["store": "sqlite", "operation": "rotate"]] == 2)
            #expect(scrape["jwtauth_store_errors_total", ["store": "sqlite", "operation": "rotate"]] == 0)
            #expect(scrape["jwtauth_signing_key_age_seconds", [:]] != nil)
            #expect(scrape["jwtauth_http_requests_total", ["method": "POST", "route": "/auth/login", "status": "200"]] == 3)
            #expect(scrape["jwtauth_http_requests_total", ["method": "POST", "route": "/auth/login", "status": "429"]] == 1)
            #expect(scrape["jwtauth_http_requests_total", ["method": "GET", "route": "unmatched", "status": "404"]] == 1)
            #expect(scrape["jwtauth_http_request_duration_seconds_count", ["method": "POST", "route": "/auth/refresh"]] == 2)
            let revokeRoutes = scrape.labelValues("route").filter { $0.hasPrefix("/admin/users/") }
            #expect(revokeRoutes.count == 1, "one pattern for every user's revoke: \(revokeRoutes)")

            // Nothing a client sent, nothing issued, no address: in any label of any series.
            let forbidden = secrets + ["127.0.0.1", "::1", "localhost"]
            for value in scrape.allLabelValues {
                for secret in forbidden {
                    #expect(!value.contains(secret), "a label carries \(secret): \(value)")
                }
            }
        }
    }

    @Test("--metrics-listen serves GET /metrics in the Prometheus text format on its own port (live socket)")
    func metricsListener() async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        try await ServerFixture.with({ $0.metricsListen = "127.0.0.1:0" }) { fixture in
            let app = try await buildApplication(
                configuration: fixture.configuration,
                logger: .quiet,
                clock: fixture.clock,
                onMetricsListening: { continuation.yield($0) }
            )
            try await app.test(.live) { client in
                let api = API(client: client, clock: fixture.clock)
                #expect(try await api.get("/.well-known/jwks.json").status == .ok)
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let scrape = try await EventStream.open(port: port, path: "/metrics", bearer: nil)
                let head = try await scrape.head()
                #expect(head.status == .ok)
                #expect(head.headers["Content-Type"].first == PrometheusExporter.contentType)
                let text = try await scrape.bodyText()
                await scrape.close()
                #expect(text.contains("# TYPE jwtauth_logins_total counter"), "\(text.prefix(500))")
                #expect(text.contains(#"jwtauth_http_requests_total{method="GET",route="/.well-known/jwks.json",status="200"}"#), "\(text.prefix(2000))")
                let other = try await EventStream.open(port: port, path: "/other", bearer: nil)
                #expect(try await other.head().status == .notFound)
                await other.close()
            }
        }
    }

    @Test("A --metrics-listen that is not HOST:PORT is refused by validate()")
    func badListenAddress() throws {
        for value in ["9464", ":9464", "127.0.0.1:", "127.0.0.1:70000", "host:port"] {
            var configuration = ServerConfiguration(issuer: "https://auth.example.test")
            configuration.metricsListen = value
            #expect(throws: JWTAuthError.self, "\(value)") { try configuration.validate() }
        }
        #expect(PrometheusExporter.parseListenAddress("[::1]:9464")?.host == "::1")
        #expect(PrometheusExporter.parseListenAddress("0.0.0.0:9464")?.port == 9464)
    }
}

/// The samples of a text-format scrape: `name{label="value",…} number` lines.
struct Scrape {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]

    init(_ text: String) {
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples.append(Sample(name: String(series), labels: [:], value: value))
                continue
            }
            var labels: [String: String] = [:]
            let inner = Array(series[series.index(after: brace)..<series.index(before: series.endIndex)])
            var index = 0
            while index < inner.count {
                var key = ""
                while index < inner.count, inner[index] != "=" {
                    key.append(inner[index])
                    index += 1
                }
                index += 2  // `="`
                var labelValue = ""
                while index < inner.count, inner[index] != "\"" {
                    if inner[index] == "\\", index + 1 < inner.count { index += 1 }
                    labelValue.append(inner[index])
                    index += 1
                }
                index += 1  // the closing quote
                if index < inner.count, inner[index] == "," { index += 1 }
                labels[key] = labelValue
            }
            samples.append(Sample(name: String(series[..<brace]), labels: labels, value: value))
        }
        self.samples = samples
    }

    /// The value of the series with exactly these labels; nil when there is none.
    subscript(name: String, labels: [String: String]) -> Double? {
        self.samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every value label `key` has in any series.
    func labelValues(_ key: String) -> Set<String> {
        Set(self.samples.compactMap { $0.labels[key] })
    }

    var allLabelValues: Set<String> {
        Set(self.samples.flatMap { $0.labels.values })
    }
}
