import HTTPTypes
import JWTAuth

extension JWTAuthFlowSuite {
    static let refreshCases: [FlowCase] = [
        FlowCase("A refresh rotates the pair: new tokens that work, the old refresh token spent") { client in
            let user = try await client.newUser("rot")
            let response = try await client.refresh(user.tokens.refresh)
            try expect(response, .ok, "refreshing")
            let access = try response.string("access_token")
            let refresh = try response.string("refresh_token")
            try check(refresh != user.tokens.refresh, "the refresh token rotates")
            try check(response.headers[.cacheControl]?.contains("no-store") == true, "a token response is Cache-Control: no-store")
            try expect(try await client.me(access), .ok, "the new access token")
            let second = try await client.refresh(refresh)
            try expect(second, .ok, "refreshing with the successor")
        },
        FlowCase("A reused refresh token is detected and revokes the whole session family") { client in
            let user = try await client.newUser("reuse")
            let first = try await client.refresh(user.tokens.refresh)
            try expect(first, .ok, "the first refresh")
            let successorAccess = try first.string("access_token")
            let successorRefresh = try first.string("refresh_token")

            let replay = try await client.refresh(user.tokens.refresh)
            try expectError(replay, .badRequest, "invalid_grant", "replaying a spent refresh token")
            try expectError(try await client.refresh(successorRefresh), .badRequest, "invalid_grant", "the successor after reuse")
            try expectError(try await client.me(successorAccess), .unauthorized, "invalid_token", "the successor's access token after reuse")
            try expectError(try await client.me(user.tokens.access), .unauthorized, "invalid_token", "the first access token after reuse")
        },
        FlowCase("A refresh token is never an access token, nor the reverse") { client in
            let user = try await client.newUser("kinds")
            try expectError(try await client.me(user.tokens.refresh), .unauthorized, "invalid_token", "a refresh token as a Bearer token")
            try expectError(try await client.refresh(user.tokens.access), .badRequest, "invalid_grant", "an access token as a refresh token")
        },
    ]
}
