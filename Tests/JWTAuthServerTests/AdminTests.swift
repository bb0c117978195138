import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// The admin routes and the OAuth revocation/introspection endpoints (RFC 7009,
/// RFC 7662).
@Suite("Administration, introspection and revocation")
struct AdminTests {
    @Test("Admin revoke answers 204; the user's access tokens are refused at once and refresh fails")
    func adminRevoke() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (id, first) = try await api.signUp("alice")
            let second = try await api.login("alice")
            let bob = try await api.signUp("bob").tokens

            let response = try await api.post("/admin/users/\(id)/revoke", bearer: admin.access)
            #expect(response.status == .noContent, "\(response.text)")
            for tokens in [first, second] {
                expectInvalidToken(try await api.me(tokens.access))
                expectInvalidGrant(try await api.refresh(tokens.refresh))
            }
            #expect(try await api.me(bob.access).status == .ok)
            #expect(try await api.me(admin.access).status == .ok)
            // Revocation is not a ban: the user may sign in again.
            let fresh = try await api.login("alice")
            #expect(try await api.me(fresh.access).status == .ok)
        }
    }

    @Test("Admin disable answers 204; the user's tokens die and login is a 401")
    func adminDisable() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (id, tokens) = try await api.signUp("alice")
            let response = try await api.post("/admin/users/\(id)/disable", bearer: admin.access)
            #expect(response.status == .noContent, "\(response.text)")
            expectInvalidToken(try await api.me(tokens.access))
            expectInvalidGrant(try await api.refresh(tokens.refresh))
            expectError(try await api.loginResponse("alice", "correct horse battery"), .unauthorized, "invalid_credentials")
        }
    }

    @Test("Admin routes: 401 without a token, 403 insufficient_scope without the role, 404 for an unknown user")
    func adminAuthorization() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (id, user) = try await api.signUp("alice")
            for action in ["revoke", "disable"] {
                let uri = "/admin/users/\(id)/\(action)"
                let anonymous = try await api.post(uri)
                #expect(anonymous.status == .unauthorized, "\(action) without a token")
                #expect(anonymous.challenge?.hasPrefix("Bearer") == true)
                expectInvalidToken(try await api.post(uri, bearer: "garbage"), "\(action) with garbage")

                let forbidden = try await api.post(uri, bearer: user.access)
                expectError(forbidden, .forbidden, "insufficient_scope", "\(action) by a non-admin")
                #expect(forbidden.challenge?.contains(#"error="insufficient_scope""#) == true, "\(forbidden.challenge ?? "no challenge")")

                expectError(
                    try await api.post("/admin/users/no-such-user/\(action)", bearer: admin.access),
                    .notFound,
                    "not_found",
                    "\(action) of an unknown user"
                )
            }
            // The non-admin's attempts changed nothing.
            #expect(try await api.me(user.access).status == .ok)
            #expect(try await api.me(admin.access).status == .ok)
        }
    }

    @Test("Introspection: an active access token is active with sub, client_id and token_type access_token")
    func introspectAccessToken() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (id, tokens) = try await api.signUp("alice", clientID: "web")
            let response = try await api.post("/oauth/introspect", form: [("token", tokens.access)], bearer: admin.access)
            #expect(response.status == .ok, "\(response.text)")
            let body = response.object
            #expect(body["active"] == true)
            #expect(body["sub"]?.stringValue == id)
            #expect(body["client_id"] == "web")
            #expect(body["token_type"] == "access_token")
            #expect(body["iss"]?.stringValue == ServerFixture.issuer)
            #expect(body["exp"]?.integerValue == ServerFixture.start.wholeSeconds + 300)
            #expect(body["sid"]?.stringValue == tokens.sessionID)
            #expect(response.headers[.cacheControl] == "no-store")
        }
    }

    @Test("Introspection: a current refresh token is active with token_type refresh_token; a rotated one is not")
    func introspectRefreshToken() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (id, tokens) = try await api.signUp("alice")
            let response = try await api.post(
                "/oauth/introspect",
                form: [("token", tokens.refresh), ("token_type_hint", "refresh_token")],
                bearer: admin.access
            )
            #expect(response.object["active"] == true, "\(response.text)")
            #expect(response.object["token_type"] == "refresh_token")
            #expect(response.object["sub"]?.stringValue == id)

            let rotated = try Tokens(try await api.refresh(tokens.refresh))
            let old = try await api.post("/oauth/introspect", form: [("token", tokens.refresh)], bearer: admin.access)
            #expect(old.json == ["active": false], "\(old.text)")
            // Introspecting the old token did not count as a replay.
            #expect(try await api.refresh(rotated.refresh).status == .ok)
        }
    }

    @Test("Introspection: revoked, expired and garbage tokens are exactly {\"active\":false}")
    func introspectInactive() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (_, tokens) = try await api.signUp("alice")
            #expect(try await api.post("/auth/logout", fields: ["refresh_token": tokens.refresh]).status == .noContent)
            for (name, token) in [("revoked access", tokens.access), ("revoked refresh", tokens.refresh), ("garbage", "garbage"), ("a.b.c", "a.b.c")] {
                let response = try await api.post("/oauth/introspect", form: [("token", token)], bearer: admin.access)
                #expect(response.status == .ok, "\(name)")
                #expect(response.json == ["active": false], "\(name): \(response.text)")
            }
            let (_, expiring) = try await api.signUp("bob")
            api.clock.advance(by: .seconds(400))
            let admin2 = try await api.loginAdmin()
            let expired = try await api.post("/oauth/introspect", form: [("token", expiring.access)], bearer: admin2.access)
            #expect(expired.json == ["active": false], "expired: \(expired.text)")
        }
    }

    @Test("Introspection needs an admin Bearer token and a token parameter")
    func introspectAuthorization() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (_, tokens) = try await api.signUp("alice")
            let anonymous = try await api.post("/oauth/introspect", form: [("token", tokens.access)])
            #expect(anonymous.status == .unauthorized)
            expectError(try await api.post("/oauth/introspect", form: [("token", tokens.access)], bearer: tokens.access), .forbidden, "insufficient_scope")
            expectError(try await api.post("/oauth/introspect", form: [], bearer: admin.access), .badRequest, "invalid_request")
        }
    }

    @Test("RFC 7009 revoke: 200 for a valid refresh token, which ends its session")
    func revokeRefreshToken() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            let other = try await api.login("alice")
            let response = try await api.post("/oauth/revoke", form: [("token", tokens.refresh), ("token_type_hint", "refresh_token")])
            #expect(response.status == .ok, "\(response.text)")
            expectInvalidGrant(try await api.refresh(tokens.refresh))
            expectInvalidToken(try await api.me(tokens.access))
            #expect(try await api.me(other.access).status == .ok)
        }
    }

    @Test("RFC 7009 revoke: an access token ends its session too")
    func revokeAccessToken() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            #expect(try await api.post("/oauth/revoke", form: [("token", tokens.access), ("token_type_hint", "access_token")]).status == .ok)
            expectInvalidToken(try await api.me(tokens.access))
            expectInvalidGrant(try await api.refresh(tokens.refresh))
        }
    }

    @Test("RFC 7009 revoke: 200 for garbage and already-revoked tokens, 400 without a token")
    func revokeAlways200() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            for token in ["garbage", "a.b.c", tokens.refresh, tokens.refresh] {
                let response = try await api.post("/oauth/revoke", form: [("token", token)])
                #expect(response.status == .ok, "\(token.prefix(10)): \(response.status) \(response.text)")
            }
            let unknownHint = try await api.post("/oauth/revoke", form: [("token", "garbage"), ("token_type_hint", "something_else")])
            #expect(unknownHint.status == .ok, "an unknown hint is ignored (RFC 7009 §2.1): \(unknownHint.status)")
            expectError(try await api.post("/oauth/revoke", form: []), .badRequest, "invalid_request", "no token")
            expectError(try await api.post("/oauth/revoke", form: [("token", "")]), .badRequest, "invalid_request", "empty token")
        }
    }
}
