import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTAuth
import JWTAuthGateway
import JWTAuthServer
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// `buildGateway(configuration:)` as `jwtauth gateway` runs it — discovery, the JWKS, the
/// client-credentials grant and the revocation feed — against a real token server in this
/// process.
@Suite("Gateway with a remote issuer", .timeLimit(.minutes(2)))
struct GatewayRemoteTests {
    @Test("Starting without keys is 503 with the reason; once the JWKS and the feed are in, tokens pass and a logout is refused at once")
    func remoteIssuer() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-remote-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try ServerSocketProbe().port
        let issuer = "http://127.0.0.1:\(port)"
        let server = ServerConfiguration(host: "127.0.0.1", port: port, dataDirectory: directory, issuer: issuer, bcryptCost: 4)
        let (client, secret) = try await addClient(configuration: server, name: "gateway", scopes: ["revocations:read"], logger: .quietGateway)
        let gate = EchoUpstream.Gate()
        defer { gate.open() }

        try await EchoUpstream.app(gate: gate).test(.live) { upstream in
            let upstreamPort = try #require(upstream.port)
            let gateway = try buildGateway(
                configuration: GatewayConfiguration(
                    port: 0,
                    issuer: issuer,
                    upstream: "http://127.0.0.1:\(upstreamPort)",
                    clientID: client.id,
                    clientSecret: secret
                ),
                logger: .quietGateway
            )
            try await gateway.test(.live) { gatewayClient in
                let base = "http://127.0.0.1:\(try #require(gatewayClient.port))"
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                defer { _ = http.shutdown() }

                // The token server is not up yet: no keys, so nothing can be verified.
                let early = try await http.send(base + "/health")
                #expect(early.status == 503)
                #expect(early.json["reasons"]?.arrayValue?.first?.stringValue?.hasPrefix("no usable keys") == true)
                let refused = try await http.send(base + "/api/userOrders", headers: [("Authorization", "Bearer a.b.c")])
                #expect(refused.status == 503 && refused.headers.first(name: "Retry-After") != nil)

                // The token server on the port its issuer names, started only now.
                let app = try await buildApplication(configuration: server, logger: .quietGateway)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await app.run() }
                    defer { group.cancelAll() }
                    // The gateway retries by itself (backoff at most 10 s) and recovers.
                    try await waitFor("the gateway to be healthy", timeout: .seconds(30)) {
                        try await http.send(base + "/health").status == 200
                    }
                    let credentials = #"{"username":"alice","password":"correct horse battery"}"#
                    let json = [("Content-Type", "application/json")]
                    _ = try await http.send(issuer + "/auth/register", method: .POST, headers: json, body: .bytes(ByteBuffer(string: credentials)))
                    let login = try await http.send(issuer + "/auth/login", method: .POST, headers: json, body: .bytes(ByteBuffer(string: credentials)))
                    let access = try #require(login.json["access_token"]?.stringValue)

                    let passed = try await http.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(access)")])
                    #expect(passed.status == 200)
                    #expect(passed.echoed("x-auth-subject") != nil && passed.echoed("x-auth-session") != nil)

                    let logout = try await http.send(issuer + "/auth/logout-all", method: .POST, headers: [("Authorization", "Bearer \(access)")])
                    #expect(logout.status == 204)
                    try await waitFor("the revocation to reach the gateway", timeout: .seconds(10)) {
                        try await http.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(access)")]).status == 401
                    }
                }
            }
        }
    }
}

/// Polls `condition` until it holds; fails the test after `timeout`.
func waitFor(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for \(what)")
}

extension Logger {
    static let quietGateway = Logger(label: "gateway-tests", factory: { _ in SwiftLogNoOpLogHandler() })
}
