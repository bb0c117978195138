import Foundation
import JWTAuth
import JWTAuthClient
import JWTAuthServer
import Testing

/// When and how the client renews its pair, against the real server. The device's clock and
/// the server's are moved by hand; nothing waits for a token to expire.
@Suite("Renewal")
struct RenewalTests {
    static let password = "correct horse battery"

    /// A client signed in as a fresh user.
    static func signedIn(_ server: LiveServer, clock: DeviceClock, storage: TokenStorage) async throws -> JWTAuthClient {
        let client = server.makeClient(clock: clock, storage: storage)
        try await client.register(username: "alice", password: Self.password)
        try await client.login(username: "alice", password: Self.password)
        return client
    }

    @Test("A request whose access token is about to expire renews the pair first", arguments: TransportKind.allCases)
    func renewBeforeExpiry(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let clock = DeviceClock()
            let storage = TokenStorage()
            let client = try await Self.signedIn(server, clock: clock, storage: storage)
            let first = try #require(await client.tokens)

            // 40 s left: outside the 30 s margin, no renewal.
            clock.advance(by: 260)
            #expect(try await server.me(client).status == 200)
            #expect(server.transport.count("/auth/refresh") == 0)

            // 25 s left: renewed before the request goes out.
            clock.advance(by: 15)
            #expect(try await server.me(client).status == 200)
            #expect(server.transport.count("/auth/refresh") == 1)
            let second = try #require(await client.tokens)
            #expect(second.accessToken != first.accessToken)
            #expect(second.refreshToken != first.refreshToken)
            #expect(second.accessTokenExpiresAt == clock.now.addingTimeInterval(300))
            #expect(storage.history == [first, second])

            let paths = server.transport.entries.map(\.path)
            #expect(paths.suffix(2) == ["/auth/refresh", "/api/me"])
            #expect(server.transport.entries.last?.authorization == "Bearer " + second.accessToken)
        }
    }

    @Test("A 401 invalid_token leads to exactly one refresh and one retry", arguments: TransportKind.allCases)
    func renewOnInvalidToken(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let storage = TokenStorage()
            let client = try await Self.signedIn(server, clock: DeviceClock(), storage: storage)
            let first = try #require(await client.tokens)

            // The server's clock passes the access token's exp and the leeway; the device's
            // clock does not move, so the client still believes the token is good.
            server.clock.advance(by: .seconds(300 + 60 + 1))
            let me = try await server.me(client)
            #expect(me.status == 200)

            let second = try #require(await client.tokens)
            #expect(second != first)
            #expect(storage.history == [first, second])
            let sent = server.transport.entries.filter { $0.path != "/auth/register" && $0.path != "/auth/login" }
            #expect(sent.map(\.path) == ["/api/me", "/auth/refresh", "/api/me"])
            #expect(sent.first?.authorization == "Bearer " + first.accessToken)
            #expect(sent.last?.authorization == "Bearer " + second.accessToken)
        }
    }

    @Test("Twenty concurrent requests that all need a renewal share one POST /auth/refresh", arguments: TransportKind.allCases)
    func singleFlightBeforeExpiry(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let clock = DeviceClock()
            let storage = TokenStorage()
            let client = try await Self.signedIn(server, clock: clock, storage: storage)

            clock.advance(by: 290)
            let statuses = try await Self.concurrentMe(server, client, count: 20)
            #expect(statuses == Array(repeating: 200, count: 20))
            #expect(server.transport.count("/auth/refresh") == 1)
            #expect(server.transport.count("/api/me") == 20)

            let renewed = try #require(await client.tokens)
            #expect(storage.history.count == 2)
            #expect(storage.stored == renewed)
            let bearers = Set(server.transport.entries.filter { $0.path == "/api/me" }.map(\.authorization))
            #expect(bearers == ["Bearer " + renewed.accessToken])
        }
    }

    @Test("Twenty concurrent requests refused as invalid_token share one POST /auth/refresh", arguments: TransportKind.allCases)
    func singleFlightOnInvalidToken(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let storage = TokenStorage()
            let client = try await Self.signedIn(server, clock: DeviceClock(), storage: storage)

            server.clock.advance(by: .seconds(300 + 60 + 1))
            let statuses = try await Self.concurrentMe(server, client, count: 20)
            #expect(statuses == Array(repeating: 200, count: 20))
            #expect(server.transport.count("/auth/refresh") == 1)
            // Each request went out once with the old token and at most once more.
            #expect((21...40).contains(server.transport.count("/api/me")))
            #expect(storage.history.count == 2)
            // The session is still alive: a second refresh would have tripped reuse detection.
            #expect(try await server.me(client).status == 200)
        }
    }

    @Test("A short-lived access token is not renewed on every request", arguments: TransportKind.allCases)
    func marginBoundedByLifetime(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind, configure: { $0.session.accessTokenLifetime = .seconds(20) }) { server in
            let clock = DeviceClock()
            let client = try await Self.signedIn(server, clock: clock, storage: TokenStorage())

            // The 30 s margin is longer than the token's life; half the lifetime applies.
            #expect(try await server.me(client).status == 200)
            clock.advance(by: 9)
            #expect(try await server.me(client).status == 200)
            #expect(server.transport.count("/auth/refresh") == 0)
            clock.advance(by: 2)
            #expect(try await server.me(client).status == 200)
            #expect(server.transport.count("/auth/refresh") == 1)
        }
    }

    @Test("A failed early renewal does not fail a request while the access token still works", arguments: TransportKind.allCases)
    func earlyRenewalFailure(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let clock = DeviceClock()
            let storage = TokenStorage()
            let client = try await Self.signedIn(server, clock: clock, storage: storage)
            let first = try #require(await client.tokens)

            // Every caller falls back on the old token, those that joined the failed renewal too.
            server.transport.failRefreshes = true
            clock.advance(by: 290)
            let statuses = try await Self.concurrentMe(server, client, count: 20)
            #expect(statuses == Array(repeating: 200, count: 20))
            let attempts = server.transport.count("/auth/refresh")
            #expect((1...20).contains(attempts))
            #expect(await client.tokens == first)
            let bearers = Set(server.transport.entries.filter { $0.path == "/api/me" }.map(\.authorization))
            #expect(bearers == ["Bearer " + first.accessToken])

            // Once the token has expired there is nothing to fall back on; the tokens stay.
            clock.advance(by: 20)
            let error = await #expect(throws: JWTAuthClientError.self) { try await server.me(client) }
            #expect(error?.code == .transport)
            #expect(await client.tokens == first)
            #expect(storage.history == [first])

            // The token server is back: the next request renews and succeeds.
            server.transport.failRefreshes = false
            #expect(try await server.me(client).status == 200)
            #expect(server.transport.count("/auth/refresh") == attempts + 2)
            #expect(storage.history.count == 2)
        }
    }

    /// Sends `count` `GET /api/me` at once and returns their statuses.
    static func concurrentMe(_ server: LiveServer, _ client: JWTAuthClient, count: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask { try await server.me(client).status }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
    }
}
