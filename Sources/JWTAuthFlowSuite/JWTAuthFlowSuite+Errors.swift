import HTTPTypes
import JWTAuth

extension JWTAuthFlowSuite {
    static let errorCases: [FlowCase] = [
        FlowCase("No token is a 401 with a bare Bearer challenge; a bad one is 401 invalid_token in WWW-Authenticate") { client in
            let none = try await client.send(.get, "/api/me")
            try expectError(none, .unauthorized, "invalid_request", "no token")
            guard let challenge = none.headers[.wwwAuthenticate] else { throw FlowFailure("a 401 without WWW-Authenticate") }
            try check(challenge.lowercased().hasPrefix("bearer"), "the challenge is Bearer: \(challenge)")
            try check(!challenge.contains("error="), "no error in the challenge when no token was sent: \(challenge)")

            let other = try await client.send(.get, "/api/me", headers: [.authorization: "Basic dXNlcjpwYXNz"])
            try expect(other, .unauthorized, "another scheme")

            let bad = try await client.send(.get, "/api/me", bearer: "eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
            try expectError(bad, .unauthorized, "invalid_token", "a bad token")
            try check(bad.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true, "the challenge names invalid_token")

            let user = try await client.newUser("scheme")
            let lower = try await client.send(.get, "/api/me", headers: [.authorization: "bearer " + user.tokens.access])
            try expect(lower, .ok, "the scheme in lower case (RFC 7235: case-insensitive)")
            let bare = try await client.send(.get, "/api/me", headers: [.authorization: user.tokens.access])
            try expect(bare, .unauthorized, "a token without a scheme")
        },
        FlowCase("Bad input is a 4xx in the contract's shape, never a 5xx") { client in
            let notJSON = try await client.send(.post, "/auth/login", headers: [.contentType: "application/json"], body: Array("{nope".utf8))
            try expectError(notJSON, .badRequest, "invalid_request", "a body that is not JSON")
            let missing = try await client.post("/auth/login", json: ["username": "someone"])
            try expectError(missing, .badRequest, "invalid_request", "a missing password")
            let large = try await client.send(
                .post,
                "/auth/login",
                headers: [.contentType: "application/json"],
                body: Array(repeating: UInt8(ascii: " "), count: 64 * 1024 + 1)
            )
            try expectError(large, .contentTooLarge, "invalid_request", "a body over 64 KiB")
            let garbage = try await client.refresh("garbage")
            try expectError(garbage, .badRequest, "invalid_grant", "a garbage refresh token")
            let weak = try await client.post("/auth/register", json: ["username": FlowClient.uniqueUsername("weak"), "password": "short"])
            try expectError(weak, .badRequest, "invalid_request", "a too short password")
        },
    ]
}
