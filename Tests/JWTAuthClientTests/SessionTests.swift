import Foundation
import JWTAuth
import JWTAuthClient
import Testing

/// Registration, login, logout and the storage callback, against the real server.
@Suite("Sessions")
struct SessionTests {
    static let password = "correct horse battery"

    @Test("Logging in keeps the pair and hands it to the storage callback", arguments: TransportKind.allCases)
    func loginStoresTokens(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let storage = TokenStorage()
            let clock = DeviceClock()
            let client = server.makeClient(clock: clock, storage: storage)
            #expect(await client.isSignedIn == false)

            let account = try await client.register(username: "alice", password: Self.password)
            #expect(account.username == "alice")
            #expect(!account.id.isEmpty)
            #expect(await client.isSignedIn == false, "registering does not log in")
            #expect(storage.history.isEmpty)

            try await client.login(username: "alice", password: Self.password)
            let tokens = try #require(await client.tokens)
            #expect(await client.isSignedIn)
            #expect(storage.history == [tokens])
            // Expiry counts from when the request went out, on the device's clock.
            #expect(tokens.accessTokenExpiresAt == clock.now.addingTimeInterval(300))
            #expect(tokens.refreshTokenExpiresAt == clock.now.addingTimeInterval(6 * 3600))
            #expect(tokens.accessToken != tokens.refreshToken)
        }
    }

    @Test("An authorized request carries the bearer token and reaches a protected route", arguments: TransportKind.allCases)
    func authorizedRequest(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let client = server.makeClient()
            let account = try await client.register(username: "alice", password: Self.password)
            try await client.login(username: "alice", password: Self.password)
            let tokens = try #require(await client.tokens)

            let me = try await server.me(client)
            #expect(me.status == 200)
            #expect(me.body["sub"] as? String == account.id)
            #expect(me.body["username"] as? String == "alice")

            let sent = try #require(server.transport.entries.last)
            #expect(sent.path == "/api/me")
            #expect(sent.authorization == "Bearer " + tokens.accessToken)
            #expect(server.transport.count("/auth/refresh") == 0)
        }
    }

    @Test("Logging out clears the tokens, and the server refuses the old refresh token", arguments: TransportKind.allCases)
    func logout(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let storage = TokenStorage()
            let client = server.makeClient(storage: storage)
            try await client.register(username: "alice", password: Self.password)
            try await client.login(username: "alice", password: Self.password)
            let tokens = try #require(await client.tokens)

            try await client.logout()
            #expect(await client.isSignedIn == false)
            #expect(await client.tokens == nil)
            #expect(storage.history == [tokens, nil])
            #expect(server.transport.count("/auth/logout") == 1)

            let refused = try await server.rawRefresh(tokens.refreshToken)
            #expect(refused.status == 400)
            #expect(refused.error == "invalid_grant")

            // Signed out: nothing is sent, and logging out again is a no-op.
            let error = await #expect(throws: JWTAuthClientError.self) { try await client.send(HTTPRequestData(url: server.meURL)) }
            #expect(error?.code == .notSignedIn)
            #expect(server.transport.count("/api/me") == 0)
            try await client.logout()
            #expect(server.transport.count("/auth/logout") == 1)
            #expect(storage.history == [tokens, nil])
        }
    }

    @Test("Logging out a session whose refresh token already expired still clears the tokens", arguments: TransportKind.allCases)
    func logoutOfDeadSession(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let storage = TokenStorage()
            let client = server.makeClient(storage: storage)
            try await client.register(username: "alice", password: Self.password)
            try await client.login(username: "alice", password: Self.password)

            // Past the 6 h idle timeout and the leeway: the server answers invalid_grant.
            server.clock.advance(by: .seconds(7 * 3600))
            try await client.logout()
            #expect(await client.isSignedIn == false)
            #expect(storage.history.count == 2)
            #expect(storage.stored == nil)
        }
    }

    @Test("A session revoked from another device ends with sessionEnded and the tokens are cleared", arguments: TransportKind.allCases)
    func revokedSession(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let phoneStorage = TokenStorage()
            let phone = server.makeClient(storage: phoneStorage)
            try await phone.register(username: "alice", password: Self.password)
            try await phone.login(username: "alice", password: Self.password)
            #expect(try await server.me(phone).status == 200)

            let laptopStorage = TokenStorage()
            let laptop = server.makeClient(storage: laptopStorage, transport: RecordingTransport(server.baseTransport))
            try await laptop.login(username: "alice", password: Self.password)
            try await laptop.logoutEverywhere()
            #expect(await laptop.isSignedIn == false)
            #expect(laptopStorage.history.count == 2)
            #expect(laptopStorage.stored == nil)

            // The phone's access token is refused at once; the refresh is refused too.
            let error = await #expect(throws: JWTAuthClientError.self) { try await server.me(phone) }
            #expect(error?.code == .sessionEnded)
            #expect(error?.serverError == "invalid_grant")
            #expect(server.transport.count("/auth/refresh") == 1)
            #expect(await phone.isSignedIn == false)
            #expect(phoneStorage.history.count == 2)
            #expect(phoneStorage.stored == nil)

            let again = await #expect(throws: JWTAuthClientError.self) { try await server.me(phone) }
            #expect(again?.code == .notSignedIn)
        }
    }

    @Test("Wrong credentials and a taken username report the server's error and store nothing", arguments: TransportKind.allCases)
    func serverErrors(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let storage = TokenStorage()
            let client = server.makeClient(storage: storage)
            try await client.register(username: "alice", password: Self.password)

            let taken = await #expect(throws: JWTAuthClientError.self) {
                try await client.register(username: "alice", password: Self.password)
            }
            #expect(taken?.code == .server)
            #expect(taken?.status == 409)
            #expect(taken?.serverError == "username_taken")

            let refused = await #expect(throws: JWTAuthClientError.self) {
                try await client.login(username: "alice", password: "wrong password 123")
            }
            #expect(refused?.code == .server)
            #expect(refused?.status == 401)
            #expect(refused?.serverError == "invalid_credentials")
            #expect(refused.map { String(describing: $0) }?.contains("wrong password") == false)
            #expect(await client.isSignedIn == false)
            #expect(storage.history.isEmpty)
        }
    }

    @Test("Tokens restored from storage resume the session without logging in", arguments: TransportKind.allCases)
    func restoredTokens(_ kind: TransportKind) async throws {
        try await LiveServer.run(kind) { server in
            let clock = DeviceClock()
            let firstLaunch = TokenStorage()
            let first = server.makeClient(clock: clock, storage: firstLaunch)
            let account = try await first.register(username: "alice", password: Self.password)
            try await first.login(username: "alice", password: Self.password)
            let saved = try #require(firstLaunch.stored)

            // The app restarts: a new client from what the Keychain holds.
            let secondLaunch = TokenStorage()
            let second = server.makeClient(clock: clock, tokens: saved, storage: secondLaunch)
            #expect(await second.isSignedIn)
            let me = try await server.me(second)
            #expect(me.status == 200)
            #expect(me.body["sub"] as? String == account.id)

            try await second.refresh()
            let renewed = try #require(await second.tokens)
            #expect(renewed != saved)
            #expect(secondLaunch.history == [renewed])
            #expect(try await server.me(second).status == 200)
        }
    }
}
