import HTTPTypes
import JWTAuth

extension JWTAuthFlowSuite {
    static let accountCases: [FlowCase] = [
        FlowCase("Registration answers 201 with the id that becomes the tokens' sub; a taken name is 409") { client in
            let username = FlowClient.uniqueUsername("reg")
            let response = try await client.post("/auth/register", json: ["username": username, "password": "correct horse battery"])
            try expect(response, .created, "registering")
            let id = try response.string("id")
            try check(try response.string("username") == username, "registration echoes the username")
            let again = try await client.post("/auth/register", json: ["username": username, "password": "another password 1"])
            try expectError(again, .conflict, "username_taken", "registering a taken username")

            let tokens = try await client.login(username, password: "correct horse battery")
            let me = try await client.me(tokens.access)
            try expect(me, .ok, "GET /api/me")
            try check(try me.string("sub") == id, "sub is the registered id")
            try check(try me.string("username") == username, "/api/me names the user")
        },
        FlowCase("A login answers the token response, never cached; a wrong password is 401 invalid_credentials") { client in
            let username = FlowClient.uniqueUsername("login")
            try await client.register(username, password: "correct horse battery")
            let response = try await client.post("/auth/login", json: ["username": username, "password": "correct horse battery"])
            try expect(response, .ok, "logging in")
            let object = try response.object()
            try check(object["token_type"]?.stringValue == "Bearer", "token_type is Bearer")
            try check(object["expires_in"]?.doubleValue.map { $0 > 0 } == true, "expires_in is a positive number")
            try check(object["refresh_expires_in"]?.doubleValue.map { $0 > 0 } == true, "refresh_expires_in is a positive number")
            _ = try response.string("access_token")
            _ = try response.string("refresh_token")
            try check(response.headers[.cacheControl]?.contains("no-store") == true, "a token response is Cache-Control: no-store")

            let wrong = try await client.post("/auth/login", json: ["username": username, "password": "not the password"])
            try expectError(wrong, .unauthorized, "invalid_credentials", "a wrong password")
            let unknown = try await client.post("/auth/login", json: ["username": FlowClient.uniqueUsername("nobody"), "password": "whatever 123"])
            try expectError(unknown, .unauthorized, "invalid_credentials", "an unknown user")
        },
        FlowCase("A password change needs the right current password (else 400 invalid_grant) and ends every session") { client in
            let user = try await client.newUser("pw")
            let wrong = try await client.post(
                "/auth/password",
                json: ["current_password": "not the password", "new_password": "a brand new password"],
                bearer: user.tokens.access
            )
            try expectError(wrong, .badRequest, "invalid_grant", "a wrong current password")
            try expect(try await client.me(user.tokens.access), .ok, "the access token still works after a wrong current password")

            let changed = try await client.post(
                "/auth/password",
                json: ["current_password": user.password, "new_password": "a brand new password"],
                bearer: user.tokens.access
            )
            try expect(changed, .noContent, "changing the password")
            try expectError(try await client.me(user.tokens.access), .unauthorized, "invalid_token", "the old access token after a password change")
            try expectError(try await client.refresh(user.tokens.refresh), .badRequest, "invalid_grant", "the old refresh token after a password change")
            let old = try await client.post("/auth/login", json: ["username": user.username, "password": user.password])
            try expect(old, .unauthorized, "logging in with the old password")
            _ = try await client.login(user.username, password: "a brand new password")
        },
    ]
}
