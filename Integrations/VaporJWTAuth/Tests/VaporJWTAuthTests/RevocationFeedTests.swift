import AsyncHTTPClient
import JWTAuth
import JWTAuthHTTP
import NIOCore
import Testing
import Vapor
import VaporJWTAuth

/// `GET /oauth/revocations` through the Vapor adapter, on a real socket: the JSON page, the
/// Server-Sent Events stream as it is written, and the stream's end when the app shuts down.
@Suite("The revocation feed on the Vapor-mounted routes", .serialized)
struct RevocationFeedTests {
    @Test("A feed client reads revocations live, and shutting the app down ends its stream")
    func streamAndShutdown() async throws {
        // The default command (serve), whatever the test runner's own arguments are.
        var environment = Environment.testing
        environment.arguments = ["vapor"]
        let app = try await Application.make(environment)
        var shutDown = false
        defer { if !shutDown { Task { [app] in try? await app.asyncShutdown() } } }
        app.logger.logLevel = .warning
        let key = try JWTKey.generate(.es256, keyID: "feed-key")
        try await app.jwtAuth.use(
            .local(
                JWTAuthLocalConfiguration(
                    session: SessionConfiguration(issuer: TestApp.issuer),
                    keys: try KeyRing(signingKey: key, verificationKeys: JWTKeySet(key.publicKey ?? key)),
                    bcryptCost: 4
                )
            )
        )
        let routes = try app.jwtAuth.routes()
        try app.register(collection: routes)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        try await app.startup()
        let port = try #require(app.http.server.shared.localAddress?.port)

        let clients = try #require(routes.endpoints.clients)
        let (client, secret) = try await clients.register(name: "feed-reader", scopes: ["revocations:read"])
        let feedToken = try await clients.issueToken(for: ClientCredentials(clientID: client.id, secret: secret), scope: nil).accessToken
        let accounts = try #require(app.jwtAuth.accounts)
        try await accounts.register(username: "carol", password: "carol password 1")
        let carol = try await accounts.login(username: "carol", password: "carol password 1", clientID: nil, userAgent: nil, address: nil)

        // A user's token is not a feed reader's.
        var asUser = HTTPClientRequest(url: "http://127.0.0.1:\(port)/oauth/revocations")
        asUser.headers.add(name: "Authorization", value: "Bearer \(carol.accessToken)")
        #expect(try await HTTPClient.shared.execute(asUser, timeout: .seconds(10)).status == .forbidden)

        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/oauth/revocations")
        request.headers.add(name: "Authorization", value: "Bearer \(feedToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var body = response.body.makeAsyncIterator()
        var text = ""
        func read(until marker: String) async throws {
            while !text.contains(marker) {
                guard let chunk = try await body.next() else { break }
                text += String(buffer: chunk)
            }
        }
        try await read(until: "event: ready")
        #expect(text.contains("event: ready"))

        let sessions = try #require(app.jwtAuth.sessions)
        try await sessions.logout(refreshToken: carol.refreshToken)
        try await read(until: "event: session-revoked")
        #expect(text.contains("event: session-revoked"))

        // Shutdown: the lifecycle ends the stream before the server drains its connections,
        // so shutting down neither hangs nor waits for the heartbeat.
        let started = ContinuousClock.now
        try await app.asyncShutdown()
        shutDown = true
        #expect(ContinuousClock.now - started < .seconds(10))
        do {
            while try await body.next() != nil {}
        } catch {
            // A connection closed mid-chunk is an end too.
        }
    }
}
