import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// `GET /api/me` and the Bearer rules of RFC 6750: 401 with a challenge, never 403,
/// for a missing or bad token; schemes are case-insensitive; a refresh token is no access token.
@Suite("Bearer authentication")
struct BearerTests {
    @Test("/api/me answers {sub, username, roles, sid} for a valid access token")
    func me() async throws {
        try await withServer { api in
            let (id, tokens) = try await api.signUp("alice")
            let response = try await api.me(tokens.access)
            #expect(response.status == .ok)
            let body = response.object
            #expect(body["sub"]?.stringValue == id)
            #expect(body["username"] == "alice")
            #expect(body["roles"]?.arrayValue == [])
            #expect(body["sid"]?.stringValue == tokens.sessionID)

            let admin = try await api.me(try await api.loginAdmin().access)
            #expect(admin.object["roles"]?.arrayValue?.contains("admin") == true)
        }
    }

    @Test("No Authorization header: 401 with WWW-Authenticate: Bearer realm=\"jwtauth\"")
    func noCredentials() async throws {
        try await withServer { api in
            let response = try await api.get("/api/me")
            #expect(response.status == .unauthorized)
            #expect(response.challenge == #"Bearer realm="jwtauth""#)
            #expect(response.errorCode != "invalid_token", "no token is not an invalid token (RFC 6750 §3.1)")
        }
    }

    @Test("The Bearer scheme is case-insensitive", arguments: ["Bearer", "bearer", "BEARER", "bEaReR"])
    func schemeCase(scheme: String) async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            let response = try await api.get("/api/me", headers: [.authorization: "\(scheme) \(tokens.access)"])
            #expect(response.status == .ok, "\(scheme): \(response.status)")
        }
    }

    @Test("A raw token without a scheme and other schemes are a 401 with a Bearer challenge")
    func otherSchemes() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            for header in [tokens.access, "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==", "Token \(tokens.access)", "Bearer\(tokens.access)"] {
                let response = try await api.get("/api/me", headers: [.authorization: header])
                #expect(response.status == .unauthorized, "\(header.prefix(12)): \(response.status)")
                #expect(response.challenge?.lowercased().hasPrefix("bearer") == true, "\(header.prefix(12)): \(response.challenge ?? "no challenge")")
            }
        }
    }

    @Test("Garbage, tampered and foreign tokens are a 401 invalid_token")
    func badTokens() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            let parts = tokens.access.split(separator: ".").map(String.init)
            let foreignKey = try JWTKey.generate(.es256)
            let foreign = try JWTSigner(key: foreignKey).sign(
                JWTClaims(
                    issuer: ServerFixture.issuer,
                    subject: "someone",
                    audience: [ServerFixture.issuer],
                    expiresAt: ServerFixture.start + .seconds(300),
                    issuedAt: ServerFixture.start,
                    tokenID: "j",
                    sessionID: "s",
                    clientID: "default"
                ),
                type: "at+jwt"
            )
            let bad: [(String, String)] = [
                ("garbage", "garbage"),
                ("three dots", "a.b.c"),
                ("empty segments", ".."),
                ("tampered payload", parts[0] + "." + String(parts[1].dropLast()) + (parts[1].last == "A" ? "B" : "A") + "." + parts[2]),
                ("tampered signature", parts[0] + "." + parts[1] + "." + String(parts[2].reversed())),
                ("no signature", parts[0] + "." + parts[1] + "."),
                ("alg none", "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + parts[1] + "."),
                ("another key", foreign),
                ("too large", String(repeating: "a", count: 10_000)),
            ]
            for (name, token) in bad {
                expectInvalidToken(try await api.me(token), "\(name)")
            }
        }
    }

    @Test("A refresh token presented as a Bearer token is a 401 invalid_token")
    func refreshTokenIsNoAccessToken() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            expectInvalidToken(try await api.me(tokens.refresh))
        }
    }

    @Test("An access token is accepted until exp + 60 s of leeway and refused from then on")
    func expiry() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            api.clock.advance(by: .seconds(300 + 59))
            #expect(try await api.me(tokens.access).status == .ok, "within the leeway")
            api.clock.advance(by: .seconds(1))
            expectInvalidToken(try await api.me(tokens.access), "at exp + leeway")
            api.clock.advance(by: .seconds(3600))
            expectInvalidToken(try await api.me(tokens.access), "an hour later")
        }
    }

    @Test("An access token whose nbf or iat lies beyond the leeway in the future is refused")
    func notYetValid() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            api.clock.advance(by: .seconds(-61))
            expectInvalidToken(try await api.me(tokens.access), "61 s before iat")
            api.clock.advance(by: .seconds(2))
            #expect(try await api.me(tokens.access).status == .ok, "59 s before iat, within the leeway")
        }
    }

    @Test("Two Authorization headers are refused, never a 5xx")
    func twoAuthorizationHeaders() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            var headers: HTTPFields = [:]
            headers.append(HTTPField(name: .authorization, value: "Bearer \(tokens.access)"))
            headers.append(HTTPField(name: .authorization, value: "Bearer garbage"))
            let response = try await api.get("/api/me", headers: headers)
            #expect(response.status == .badRequest || response.status == .unauthorized, "\(response.status)")
        }
    }
}
