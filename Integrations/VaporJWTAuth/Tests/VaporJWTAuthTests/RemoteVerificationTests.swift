import Foundation
import JWTAuth
import NIOHTTP1
import Testing
import Vapor
import VaporJWTAuth
import VaporOrders
import VaporTesting

/// The example app (`/api/userOrders`) verifying tokens of a live `jwtauth serve`: keys from
/// its JWKS, revocations from its feed. Needs `JWTAUTH_BIN` (the `jwtauth` binary; the test
/// script sets it); skipped without it.
@Suite("Remote verification against a live jwtauth serve", .serialized)
struct RemoteVerificationTests {
    static let binary = ProcessInfo.processInfo.environment["JWTAUTH_BIN"]

    @Test(
        "Tokens from jwtauth serve open /api/userOrders, and a logout or a logout-all at the server closes it at once",
        .enabled(if: Self.binary != nil, "set JWTAUTH_BIN to the jwtauth binary to run this test")
    )
    func liveServer() async throws {
        guard let binary = Self.binary else { return }
        let server = try await LiveTokenServer.start(binary: binary)
        defer { server.stop() }
        let client = try server.addClient("vapor-orders", scope: "revocations:read")

        try await withApp { app in
            app.logger.logLevel = .warning
            try await configure(app, configuration: OrdersConfiguration(issuer: server.issuer, clientID: client.id, clientSecret: client.secret))
            let tester = try app.testing()

            // Healthy once the keys are fetched and the feed is connected.
            try await Self.eventually("the example's /health is 200") {
                try await tester.sendRequest(.GET, "health").status == .ok
            }

            let alice = try await Self.signUp(app, server: server, "alice")
            let bob = try await Self.signUp(app, server: server, "bob")
            let empty = try await tester.sendRequest(.GET, "api/userOrders", headers: Self.bearer(alice.access))
            #expect(empty.status == .ok)
            #expect(empty.body.string == "[]")
            let placed = try await tester.sendRequest(
                .POST,
                "api/userOrders",
                headers: Self.bearer(alice.access).adding(contentType: "application/json"),
                body: ByteBuffer(string: #"{"item":"coffee","quantity":2}"#)
            )
            #expect(placed.status == .created)
            let list = try await tester.sendRequest(.GET, "api/userOrders", headers: Self.bearer(alice.access))
            #expect(list.body.string.contains("coffee"))
            #expect(try await tester.sendRequest(.GET, "api/userOrders", headers: Self.bearer(bob.access)).body.string == "[]")

            let none = try await tester.sendRequest(.GET, "api/userOrders")
            #expect(none.status == .unauthorized)
            #expect(none.headers.first(name: .wwwAuthenticate)?.hasPrefix("Bearer") == true)
            #expect(none.body.string.contains(#""error""#) && !none.body.string.contains(#""reason""#))

            // A logout at the token server reaches the app through the feed.
            let logout = try await app.client.post(URI(string: server.issuer + "/auth/logout")) { request in
                try request.content.encode(["refresh_token": alice.refresh], as: .json)
            }
            #expect(logout.status == .noContent)
            try await Self.eventually("alice's token is refused after her logout") {
                try await tester.sendRequest(.GET, "api/userOrders", headers: Self.bearer(alice.access)).status == .unauthorized
            }
            #expect(try await tester.sendRequest(.GET, "api/userOrders", headers: Self.bearer(bob.access)).status == .ok)

            // logout-all for bob, with his own access token.
            let logoutAll = try await app.client.post(URI(string: server.issuer + "/auth/logout-all"), headers: Self.bearer(bob.access))
            #expect(logoutAll.status == .noContent)
            try await Self.eventually("bob's token is refused after logout-all") {
                try await tester.sendRequest(.GET, "api/userOrders", headers: Self.bearer(bob.access)).status == .unauthorized
            }
        }
    }

    struct Tokens {
        var access: String
        var refresh: String
    }

    static func signUp(_ app: Application, server: LiveTokenServer, _ name: String) async throws -> Tokens {
        let credentials = ["username": "\(name)-\(Int.random(in: 0...1_000_000))", "password": "\(name) password 123"]
        let registered = try await app.client.post(URI(string: server.issuer + "/auth/register")) { try $0.content.encode(credentials, as: .json) }
        guard registered.status == .created else { throw LiveServerError("register: \(registered.status)") }
        let login = try await app.client.post(URI(string: server.issuer + "/auth/login")) { try $0.content.encode(credentials, as: .json) }
        guard login.status == .ok, let body = login.body, let json = try JSONValue(parsingBytes: Array(body.readableBytesView)).objectValue,
            let access = json["access_token"]?.stringValue, let refresh = json["refresh_token"]?.stringValue
        else { throw LiveServerError("login: \(login.status)") }
        return Tokens(access: access, refresh: refresh)
    }

    static func bearer(_ token: String) -> HTTPHeaders { ["Authorization": "Bearer \(token)"] }

    /// Polls `condition` for up to 15 s.
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw LiveServerError("timed out waiting until \(what)")
    }
}

extension HTTPHeaders {
    func adding(contentType: String) -> HTTPHeaders {
        var headers = self
        headers.add(name: .contentType, value: contentType)
        return headers
    }
}
