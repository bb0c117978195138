import HTTPTypes
import JWTAuth

extension JWTAuthFlowSuite {
    static let adminCases: [FlowCase] = [
        FlowCase("An admin revoke refuses the user's access tokens at once; the route needs the admin role") { client in
            let user = try await client.newUser("victim")
            let admin = try await client.loginAdmin()
            let byUser = try await client.send(.post, "/admin/users/\(user.id)/revoke", bearer: user.tokens.access)
            try expectError(byUser, .forbidden, "insufficient_scope", "a user calling an admin route")
            try check(byUser.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true, "a 403 names insufficient_scope in WWW-Authenticate")
            try expectError(try await client.send(.post, "/admin/users/\(user.id)/revoke"), .unauthorized, "invalid_request", "an admin route without a token")

            try expect(try await client.send(.post, "/admin/users/\(user.id)/revoke", bearer: admin.access), .noContent, "revoking a user")
            try expectError(try await client.me(user.tokens.access), .unauthorized, "invalid_token", "the revoked user's access token")
            try expectError(try await client.refresh(user.tokens.refresh), .badRequest, "invalid_grant", "the revoked user's refresh token")
            try expect(try await client.me(admin.access), .ok, "the admin's own token")
            let unknown = try await client.send(.post, "/admin/users/no-such-user/revoke", bearer: admin.access)
            try expectError(unknown, .notFound, "not_found", "revoking an unknown user")
        },
        FlowCase("A disabled user cannot log in and their tokens stop working") { client in
            let user = try await client.newUser("disabled")
            let admin = try await client.loginAdmin()
            try expect(try await client.send(.post, "/admin/users/\(user.id)/disable", bearer: admin.access), .noContent, "disabling a user")
            try expectError(try await client.me(user.tokens.access), .unauthorized, "invalid_token", "a disabled user's access token")
            let login = try await client.post("/auth/login", json: ["username": user.username, "password": user.password])
            try expectError(login, .unauthorized, "invalid_credentials", "a disabled user's login")
        },
    ]
}
