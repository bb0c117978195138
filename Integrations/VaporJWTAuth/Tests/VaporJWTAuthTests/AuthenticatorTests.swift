import JWTAuth
import JWTAuthFlowSuite
import JWTAuthHTTP
import NIOHTTP1
import Testing
import Vapor
import VaporJWTAuth
import VaporTesting

@Suite("The Vapor authenticator and guards")
struct AuthenticatorTests {
    /// An app with `/me` (any signed-in user), `/admin` (the admin role), `/handler-admin` (the
    /// role checked inside the handler) and `/reports` (a scope).
    static func withProtectedApp(_ body: (Application, any TestingApplicationTester) async throws -> Void) async throws {
        try await TestApp.withLocalApp(routes: { app in
            let authenticated = app.grouped(try app.jwtAuth.authenticator())
            let signedIn = authenticated.grouped(JWTAuthUser.guardMiddleware())
            signedIn.get("me") { req async throws -> String in
                let user = try req.auth.require(JWTAuthUser.self)
                return "\(user.subject) \(user.sessionID ?? "-") \(user.clientID) \(user.roles.joined(separator: ","))"
            }
            signedIn.grouped(JWTAuthUser.guardRole("admin")).get("admin") { _ in "admin" }
            authenticated.get("handler-admin") { req async throws -> String in
                try req.jwtAuth.require(role: "admin").subject
            }
            authenticated.grouped(JWTAuthUser.guardScope("reports:read")).get("reports") { _ in "reports" }
        }) { app in
            try await body(app, try app.testing())
        }
    }

    static func login(_ app: Application, _ username: String, _ password: String) async throws -> TokenResponse {
        guard let accounts = app.jwtAuth.accounts else { throw Abort(.internalServerError) }
        return try await accounts.login(username: username, password: password, clientID: nil, userAgent: nil, address: nil)
    }

    static func user(_ app: Application) async throws -> (UserRecord, TokenResponse) {
        guard let accounts = app.jwtAuth.accounts else { throw Abort(.internalServerError) }
        let user = try await accounts.register(username: "alice-\(Int.random(in: 0...1_000_000))", password: "alice password 1")
        return (user, try await Self.login(app, user.username, "alice password 1"))
    }

    static func bearer(_ token: String) -> HTTPHeaders { ["Authorization": "Bearer \(token)"] }

    /// The error body is ours (`error`, `error_description`), never Vapor's (`error: true`, `reason`).
    static func expectError(
        _ response: TestingHTTPResponse,
        _ status: HTTPResponseStatus,
        _ code: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(response.status == status, sourceLocation: sourceLocation)
        let json = try JSONValue(parsing: response.body.string).objectValue ?? [:]
        #expect(json["error"] == .string(code), "\(response.body.string)", sourceLocation: sourceLocation)
        #expect(json["error_description"]?.stringValue != nil, sourceLocation: sourceLocation)
        #expect(json["reason"] == nil, sourceLocation: sourceLocation)
        #expect(response.headers.first(name: .cacheControl) == "no-store", sourceLocation: sourceLocation)
    }

    @Test("A valid token logs in a JWTAuthUser with sub, sid, client id and roles")
    func validToken() async throws {
        try await Self.withProtectedApp { app, tester in
            let (user, tokens) = try await Self.user(app)
            let response = try await tester.sendRequest(.GET, "me", headers: Self.bearer(tokens.accessToken))
            #expect(response.status == .ok)
            let parts = response.body.string.split(separator: " ").map(String.init)
            #expect(parts.first == user.id)
            #expect(parts.count >= 3 && parts[1] != "-")
            #expect(parts.count >= 3 && parts[2] == "default")
        }
    }

    @Test("No token: 401 with a bare Bearer challenge, in the JSON error shape")
    func noToken() async throws {
        try await Self.withProtectedApp { _, tester in
            let response = try await tester.sendRequest(.GET, "me")
            try Self.expectError(response, .unauthorized, "invalid_request")
            let challenge = response.headers.first(name: .wwwAuthenticate) ?? ""
            #expect(challenge.hasPrefix("Bearer"))
            #expect(!challenge.contains("error="))
        }
    }

    @Test("A bad, a refresh or a garbage token: 401 invalid_token with the error in WWW-Authenticate")
    func badTokens() async throws {
        try await Self.withProtectedApp { app, tester in
            let (_, tokens) = try await Self.user(app)
            for token in ["garbage", "a.b.c", tokens.refreshToken, String(tokens.accessToken.dropLast(2)) + "AA"] {
                let response = try await tester.sendRequest(.GET, "me", headers: Self.bearer(token))
                try Self.expectError(response, .unauthorized, "invalid_token")
                #expect(response.headers.first(name: .wwwAuthenticate)?.contains(#"error="invalid_token""#) == true)
            }
        }
    }

    @Test("The scheme is case-insensitive; another scheme or a bare token is no credential")
    func schemes() async throws {
        try await Self.withProtectedApp { app, tester in
            let (_, tokens) = try await Self.user(app)
            #expect(try await tester.sendRequest(.GET, "me", headers: ["Authorization": "BEARER \(tokens.accessToken)"]).status == .ok)
            try Self.expectError(try await tester.sendRequest(.GET, "me", headers: ["Authorization": "Basic YTpi"]), .unauthorized, "invalid_request")
            try Self.expectError(try await tester.sendRequest(.GET, "me", headers: ["Authorization": tokens.accessToken]), .unauthorized, "invalid_request")
            let twice = HTTPHeaders([("Authorization", "Bearer \(tokens.accessToken)"), ("Authorization", "Bearer \(tokens.accessToken)")])
            try Self.expectError(try await tester.sendRequest(.GET, "me", headers: twice), .badRequest, "invalid_request")
        }
    }

    @Test("The role guard: 403 insufficient_scope for a user, 200 for an admin, 401 without a token")
    func roleGuard() async throws {
        try await Self.withProtectedApp { app, tester in
            let (_, tokens) = try await Self.user(app)
            let admin = try await Self.login(app, TestApp.admin.username, TestApp.admin.password)
            for path in ["admin", "handler-admin"] {
                let refused = try await tester.sendRequest(.GET, path, headers: Self.bearer(tokens.accessToken))
                try Self.expectError(refused, .forbidden, "insufficient_scope")
                #expect(refused.headers.first(name: .wwwAuthenticate)?.contains("insufficient_scope") == true)
                #expect(try await tester.sendRequest(.GET, path, headers: Self.bearer(admin.accessToken)).status == .ok)
                try Self.expectError(try await tester.sendRequest(.GET, path), .unauthorized, "invalid_request")
            }
            try Self.expectError(try await tester.sendRequest(.GET, "reports", headers: Self.bearer(admin.accessToken)), .forbidden, "insufficient_scope")
        }
    }

    @Test("A revocation is honoured at once: logout, logout-all and an admin revoke")
    func revocation() async throws {
        try await Self.withProtectedApp { app, tester in
            guard let sessions = app.jwtAuth.sessions else { throw Abort(.internalServerError) }
            let (user, first) = try await Self.user(app)
            #expect(try await tester.sendRequest(.GET, "me", headers: Self.bearer(first.accessToken)).status == .ok)
            try await sessions.logout(refreshToken: first.refreshToken)
            try Self.expectError(try await tester.sendRequest(.GET, "me", headers: Self.bearer(first.accessToken)), .unauthorized, "invalid_token")

            let second = try await Self.login(app, user.username, "alice password 1")
            #expect(try await tester.sendRequest(.GET, "me", headers: Self.bearer(second.accessToken)).status == .ok)
            try await sessions.revokeUser(id: user.id, reason: .adminRevoked)
            try Self.expectError(try await tester.sendRequest(.GET, "me", headers: Self.bearer(second.accessToken)), .unauthorized, "invalid_token")
        }
    }

    @Test("A verifier that cannot tell answers 503 with Retry-After, not 401")
    func verifierUnavailable() async throws {
        try await withApp { app in
            try await app.jwtAuth.use(.verifier(UnavailableVerifier()))
            app.grouped(try app.jwtAuth.authenticator()).grouped(JWTAuthUser.guardMiddleware()).get("me") { _ in "me" }
            let response = try await app.testing().sendRequest(.GET, "me", headers: Self.bearer("a.b.c"))
            try Self.expectError(response, .serviceUnavailable, "temporarily_unavailable")
            #expect(response.headers.first(name: .retryAfter) != nil)
        }
    }

    @Test("Configuring twice, or using the routes of a verify-only app, is refused")
    func misconfiguration() async throws {
        try await withApp { app in
            #expect(throws: JWTAuthError.self) { try app.jwtAuth.authenticator() }
            try await app.jwtAuth.use(.verifier(UnavailableVerifier()))
            await #expect(throws: JWTAuthError.self) { try await app.jwtAuth.use(.verifier(UnavailableVerifier())) }
            #expect(throws: JWTAuthError.self) { try app.jwtAuth.routes() }
        }
    }

    @Test("Stores named by an unknown scheme are refused with a clear error, and nothing is configured")
    func unknownStores() async throws {
        let key = try JWTKey.generate(.es256, keyID: "test-key")
        let keys = try KeyRing(signingKey: key, verificationKeys: JWTKeySet(key.publicKey ?? key))
        let session = SessionConfiguration(issuer: TestApp.issuer)
        for (database, sessionStore) in [("mysql://db.internal/auth", nil), ("memory", "memcached://cache.internal:11211")] as [(String, String?)] {
            try await withApp { app in
                let configuration = JWTAuthLocalConfiguration(session: session, keys: keys, database: database, sessionStore: sessionStore)
                let error = await #expect(throws: JWTAuthError.self) { try await app.jwtAuth.use(.local(configuration)) }
                #expect(error?.code == .invalidInput)
                #expect(error?.message.contains("unsupported") == true)
                #expect(app.jwtAuth.verifier == nil)
            }
        }
    }
}

/// A verifier whose keys are not there yet.
struct UnavailableVerifier: AccessTokenVerifier {
    func verify(accessToken token: Substring) async throws(JWTAuthError) -> AccessToken {
        throw JWTAuthError(.keysUnavailable, "no keys yet")
    }
}
