import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// `POST /auth/login`: the token response, the tokens' headers and claims,
/// 401 for bad credentials, and the failed-login rate limits.
@Suite("Login")
struct LoginTests {
    @Test("Login returns exactly the RFC 6749 token response members, with Cache-Control: no-store")
    func tokenResponse() async throws {
        try await withServer { api in
            try await api.register("alice")
            let response = try await api.loginResponse("alice", "correct horse battery")
            #expect(response.status == .ok)
            let body = response.object
            #expect(Set(body.keys) == ["access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"])
            #expect(body["token_type"] == "Bearer")
            #expect(body["expires_in"] == 300)
            #expect(body["refresh_expires_in"] == 21600)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("The access token is an ES256 at+jwt signed by the JWKS key, with every claim an access token carries")
    func accessTokenShape() async throws {
        try await withServer { api in
            let id = try await api.register("alice")
            let tokens = try await api.login("alice")
            let kid = try await api.get("/.well-known/jwks.json").object["keys"]?.arrayValue?.first?.objectValue?["kid"]?.stringValue

            let access = try #require(JWTParts(tokens.access))
            #expect(access.header["typ"] == "at+jwt")
            #expect(access.header["alg"] == "ES256")
            #expect(access.header["kid"]?.stringValue == kid)
            #expect(kid != nil)

            let claims = access.payload
            let now = ServerFixture.start.wholeSeconds
            #expect(claims["iss"]?.stringValue == ServerFixture.issuer)
            #expect(claims["sub"]?.stringValue == id)
            let audience = claims["aud"]
            #expect(audience?.stringValue == ServerFixture.issuer || audience?.arrayValue == [.string(ServerFixture.issuer)])
            let iat = try #require(claims["iat"]?.integerValue)
            let exp = try #require(claims["exp"]?.integerValue)
            #expect(iat == now)
            #expect(exp - iat == 300)
            #expect(claims["nbf"]?.integerValue.map { $0 <= iat } == true)
            #expect(claims["jti"]?.stringValue?.isEmpty == false)
            #expect(claims["sid"]?.stringValue?.isEmpty == false)
            #expect(claims["client_id"] == "default")

            let second = try await api.login("alice")
            let secondClaims = try #require(JWTParts(second.access)?.payload)
            #expect(secondClaims["jti"] != claims["jti"], "every access token has its own jti")
            #expect(secondClaims["sid"] != claims["sid"], "every login is its own session")
        }
    }

    @Test("The refresh token is an rt+jwt for the token endpoint with the session's claims")
    func refreshTokenShape() async throws {
        try await withServer { api in
            let id = try await api.register("alice")
            let tokens = try await api.login("alice")
            let refresh = try #require(JWTParts(tokens.refresh))
            #expect(refresh.header["typ"] == "rt+jwt")
            #expect(refresh.header["alg"] == "ES256")
            let claims = refresh.payload
            let audience = claims["aud"]
            let endpoint = ServerFixture.issuer + "/oauth/token"
            #expect(audience?.stringValue == endpoint || audience?.arrayValue == [.string(endpoint)])
            #expect(claims["iss"]?.stringValue == ServerFixture.issuer)
            #expect(claims["sub"]?.stringValue == id)
            #expect(claims["sid"]?.stringValue == tokens.sessionID)
            #expect(claims["client_id"] == "default")
            #expect(claims["jti"]?.stringValue?.isEmpty == false)
            let iat = try #require(claims["iat"]?.integerValue)
            #expect(claims["exp"]?.integerValue.map { $0 - iat } == 21600)
        }
    }

    @Test("A client_id sent at login is carried by both tokens")
    func clientID() async throws {
        try await withServer { api in
            try await api.register("alice")
            let tokens = try await api.login("alice", clientID: "mobile-app")
            #expect(JWTParts(tokens.access)?.payload["client_id"] == "mobile-app")
            #expect(JWTParts(tokens.refresh)?.payload["client_id"] == "mobile-app")
            let me = try await api.me(tokens.access)
            #expect(me.object["client_id"] == nil || me.object["client_id"] == "mobile-app")

            for bad in ["has space", String(repeating: "c", count: 129), "tab\there"] {
                let response = try await api.loginResponse("alice", "correct horse battery", clientID: bad)
                expectError(response, .badRequest, "invalid_request", "client_id \(bad.prefix(20))")
            }
        }
    }

    @Test("A login client_id of the machine clients' form (c_…) is refused with 400 invalid_request, even with the right password")
    func machineClientID() async throws {
        try await ServerFixture.with { fixture in
            let machine = try await fixture.addClient("orders-api")
            try await fixture.run { api in
                let id = try await api.register("alice")
                for clientID in [machine.id, "c_", "c_anything"] {
                    let response = try await api.loginResponse("alice", "correct horse battery", clientID: clientID)
                    expectError(response, .badRequest, "invalid_request", "client_id \(clientID)")
                    #expect(response.object["access_token"] == nil)
                }
                // Nothing was started, and ids that merely contain the prefix are fine.
                let tokens = try await api.login("alice", clientID: "web_c_1")
                let sessions = try await api.get("/auth/sessions", bearer: tokens.access)
                #expect(sessions.json?.arrayValue?.count == 1, "\(sessions.text)")
                #expect(JWTParts(tokens.access)?.payload["sub"]?.stringValue == id)
            }
        }
    }

    @Test("A wrong password and an unknown user get the same 401 invalid_credentials")
    func invalidCredentials() async throws {
        try await withServer { api in
            try await api.register("alice")
            let wrong = try await api.loginResponse("alice", "not the password")
            let unknown = try await api.loginResponse("nobody", "correct horse battery")
            expectError(wrong, .unauthorized, "invalid_credentials", "wrong password")
            expectError(unknown, .unauthorized, "invalid_credentials", "unknown user")
            #expect(wrong.text == unknown.text, "the two failures must be indistinguishable")
            #expect(wrong.object["access_token"] == nil)
        }
    }

    @Test("Missing login fields are a 400")
    func missingFields() async throws {
        try await withServer { api in
            for body in [#"{"username":"alice"}"#, #"{"password":"correct horse battery"}"#, "{}", #"{"username":1,"password":"x"}"#] {
                expectError(try await api.post("/auth/login", json: body), .badRequest, "invalid_request", "\(body)")
            }
        }
    }

    @Test("Ten failed logins for one username give 429 with Retry-After; successful logins never count")
    func perUsernameLimit() async throws {
        try await withServer { api in
            try await api.register("alice")
            // Nine failures, each surrounded by successful logins: never a 429.
            for attempt in 1...9 {
                let ok = try await api.loginResponse("alice", "correct horse battery")
                #expect(ok.status == .ok, "success before failure \(attempt)")
                let failed = try await api.loginResponse("alice", "wrong password \(attempt)")
                expectError(failed, .unauthorized, "invalid_credentials", "failure \(attempt)")
            }
            for round in 1...15 {
                let ok = try await api.loginResponse("alice", "correct horse battery")
                #expect(ok.status == .ok, "successful login \(round) after nine failures: \(ok.status)")
            }
            // The tenth failure is still answered; from then on the username is limited, even
            // with the right password and in another letter case.
            expectError(try await api.loginResponse("alice", "wrong password 10"), .unauthorized, "invalid_credentials")
            for (username, password) in [("alice", "correct horse battery"), ("alice", "wrong again"), ("ALICE", "correct horse battery")] {
                let limited = try await api.loginResponse(username, password)
                expectError(limited, .tooManyRequests, nil, "\(username)")
                let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) }, "Retry-After: \(limited.headers[.retryAfter] ?? "-")")
                #expect((1...900).contains(retryAfter))
            }
            // Another username is not affected.
            try await api.register("bob")
            _ = try await api.login("bob")

            // Once the window has passed the username may try again.
            api.clock.advance(by: .seconds(901))
            #expect(try await api.loginResponse("alice", "correct horse battery").status == .ok)
        }
    }

    @Test("Failed logins from one client address are limited across usernames (live socket)")
    func perAddressLimit() async throws {
        try await withServer(
            .live,
            configure: {
                $0.loginLimitPerAddress = .init(attempts: 3, window: .seconds(900))
                $0.loginLimitPerUsername = .init(attempts: 100, window: .seconds(900))
            }
        ) { api in
            try await api.register("alice")
            // Successes do not count against the address either.
            for _ in 1...5 { #expect(try await api.loginResponse("alice", "correct horse battery").status == .ok) }
            for name in ["mallory1", "mallory2", "mallory3"] {
                expectError(try await api.loginResponse(name, "guess guess guess"), .unauthorized, "invalid_credentials", "\(name)")
            }
            let limited = try await api.loginResponse("mallory4", "guess guess guess")
            expectError(limited, .tooManyRequests, nil, "fourth failure from the address")
            #expect(limited.headers[.retryAfter].flatMap { Int($0) } != nil)
            let alsoLimited = try await api.loginResponse("alice", "correct horse battery")
            #expect(alsoLimited.status == .tooManyRequests, "the address is limited for every username: \(alsoLimited.status)")
        }
    }

    @Test("Behind a trusted proxy the per-address limit counts X-Forwarded-For's client, not the proxy (live socket)", arguments: [true, false])
    func perAddressLimitBehindProxy(trusted: Bool) async throws {
        try await withServer(
            .live,
            configure: {
                $0.loginLimitPerAddress = .init(attempts: 3, window: .seconds(900))
                $0.loginLimitPerUsername = .init(attempts: 100, window: .seconds(900))
                // The test client connects from loopback: that is the "proxy".
                $0.trustedProxies = trusted ? ["127.0.0.1", "::1"] : []
            }
        ) { api in
            func attempt(_ name: String, from client: String) async throws -> TestResponse {
                var headers: HTTPFields = [:]
                headers[HTTPField.Name("X-Forwarded-For")!] = "198.51.100.99, \(client)"  // a spoofed entry, then the proxy's
                return try await api.post("/auth/login", fields: ["username": name, "password": "guess guess guess"], headers: headers)
            }
            for name in ["mallory1", "mallory2", "mallory3"] {
                expectError(try await attempt(name, from: "203.0.113.7"), .unauthorized, "invalid_credentials", "\(name)")
            }
            expectError(try await attempt("mallory4", from: "203.0.113.7"), .tooManyRequests, nil, "the attacker's address is limited")
            // Another client behind the same proxy is a different address only when the proxy is trusted.
            let other = try await attempt("bob", from: "203.0.113.8")
            if trusted {
                expectError(other, .unauthorized, "invalid_credentials", "another client behind the proxy")
            } else {
                expectError(other, .tooManyRequests, nil, "without trust everyone behind the proxy is one address")
            }
        }
    }

    @Test("A disabled account cannot log in")
    func disabledAccount() async throws {
        try await withServer { api in
            let id = try await api.register("alice")
            let admin = try await api.loginAdmin()
            #expect(try await api.post("/admin/users/\(id)/disable", bearer: admin.access).status == .noContent)
            expectError(try await api.loginResponse("alice", "correct horse battery"), .unauthorized, "invalid_credentials")
        }
    }

    @Test("A password bcrypt would cut (over 72 bytes, or holding a NUL) is refused alike by registration, login and password change")
    func passwordForm() async throws {
        try await withServer { api in
            let exact = String(repeating: "p", count: 72)
            try await api.register("alice", exact)
            #expect(try await api.loginResponse("alice", exact).status == .ok, "72 bytes is a password like any other")
            // bcrypt reads 72 bytes: with more, only the first 72 would be checked.
            for password in [exact + "x", exact + "anything at all", "correct\u{0}horse battery", String(repeating: "é", count: 37)] {
                expectError(try await api.post("/auth/register", fields: ["username": "bob", "password": password]), .badRequest, "invalid_request")
                expectError(try await api.loginResponse("alice", password), .badRequest, "invalid_request")
            }
            let tokens = try await api.login("alice", exact)
            let change = try await api.post(
                "/auth/password",
                fields: ["current_password": exact + "x", "new_password": "a brand new password"],
                bearer: tokens.access
            )
            expectError(change, .badRequest, "invalid_request")
            #expect(try await api.me(tokens.access).status == .ok, "the refused change ended no session")
        }
    }
}
