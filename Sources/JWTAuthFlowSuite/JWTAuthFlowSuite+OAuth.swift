import HTTPTypes
import JWTAuth

extension JWTAuthFlowSuite {
    static let oauthCases: [FlowCase] = [
        FlowCase("OAuth: the refresh grant at /oauth/token, introspection for admins, revocation always 200") { client in
            let user = try await client.newUser("oauth")
            let admin = try await client.loginAdmin()
            let granted = try await client.post("/oauth/token", form: [("grant_type", "refresh_token"), ("refresh_token", user.tokens.refresh)])
            try expect(granted, .ok, "the refresh grant")
            let access = try granted.string("access_token")
            let refresh = try granted.string("refresh_token")
            try check(try granted.string("token_type") == "Bearer", "token_type is Bearer")

            let unsupported = try await client.post("/oauth/token", form: [("grant_type", "password")])
            try expectError(unsupported, .badRequest, "unsupported_grant_type", "an unsupported grant")
            let bad = try await client.post("/oauth/token", form: [("grant_type", "refresh_token"), ("refresh_token", "not.a.token")])
            try expectError(bad, .badRequest, "invalid_grant", "the refresh grant with a bad token")

            let active = try await client.post("/oauth/introspect", form: [("token", access)], bearer: admin.access)
            try expect(active, .ok, "introspecting an access token")
            let members = try active.object()
            try check(members["active"] == .bool(true), "a live access token is active: \(active.text.prefix(300))")
            try check(members["sub"]?.stringValue == user.id, "introspection names the subject")
            try expectError(
                try await client.post("/oauth/introspect", form: [("token", access)]),
                .unauthorized,
                "invalid_request",
                "introspection without a token"
            )
            try expectError(
                try await client.post("/oauth/introspect", form: [("token", access)], bearer: user.tokens.access),
                .forbidden,
                "insufficient_scope",
                "introspection by a non-admin"
            )

            try expect(try await client.post("/oauth/revoke", form: [("token", refresh), ("token_type_hint", "refresh_token")]), .ok, "revoking")
            try expect(try await client.post("/oauth/revoke", form: [("token", "garbage")]), .ok, "revoking garbage")
            let inactive = try await client.post("/oauth/introspect", form: [("token", refresh)], bearer: admin.access)
            try expect(inactive, .ok, "introspecting a revoked token")
            try check(try inactive.object()["active"] == .bool(false), "a revoked token is inactive: \(inactive.text.prefix(300))")
            try expectError(try await client.me(access), .unauthorized, "invalid_token", "the access token of a revoked session")
        }
    ]
}
