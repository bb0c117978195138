import HTTPTypes
import JWTAuth

extension JWTAuthFlowSuite {
    static let sessionCases: [FlowCase] = [
        FlowCase("Logout answers 204 for any token, and the session's tokens stop working at once") { client in
            let user = try await client.newUser("logout")
            try expect(try await client.post("/auth/logout", json: ["refresh_token": user.tokens.refresh]), .noContent, "logging out")
            try expectError(try await client.me(user.tokens.access), .unauthorized, "invalid_token", "the access token after logout")
            try expectError(try await client.refresh(user.tokens.refresh), .badRequest, "invalid_grant", "the refresh token after logout")
            try expect(try await client.post("/auth/logout", json: ["refresh_token": user.tokens.refresh]), .noContent, "logging out twice")
            try expect(try await client.post("/auth/logout", json: ["refresh_token": "not.a.token"]), .noContent, "logging out a garbage token")
            try expect(try await client.post("/auth/logout", json: ["refresh_token": user.tokens.access]), .noContent, "logging out with an access token")
        },
        FlowCase("Logout-all ends every session of the user and needs a Bearer token") { client in
            let user = try await client.newUser("all")
            let other = try await client.login(user.username, password: user.password)
            try expectError(try await client.send(.post, "/auth/logout-all"), .unauthorized, "invalid_request", "logout-all without a token")
            try expect(try await client.send(.post, "/auth/logout-all", bearer: user.tokens.access), .noContent, "logout-all")
            for tokens in [user.tokens, other] {
                try expectError(try await client.me(tokens.access), .unauthorized, "invalid_token", "an access token after logout-all")
                try expectError(try await client.refresh(tokens.refresh), .badRequest, "invalid_grant", "a refresh token after logout-all")
            }
        },
        FlowCase("Sessions are listed with their ids and metadata, and one can be deleted by id") { client in
            let user = try await client.newUser("list")
            let other = try await client.login(user.username, password: user.password)
            let list = try await client.send(.get, "/auth/sessions", bearer: user.tokens.access)
            try expect(list, .ok, "listing sessions")
            guard let sessions = try list.json().arrayValue?.compactMap(\.objectValue) else {
                throw FlowFailure("the session list is not an array of objects: \(list.text.prefix(300))")
            }
            try check(sessions.count == 2, "two sessions listed, got \(sessions.count)")
            for session in sessions {
                for member in ["id", "created_at", "last_used_at", "client_id", "user_agent"] {
                    try check(session[member] != nil, "a session lacks \(member): \(list.text.prefix(300))")
                }
            }
            // The other login's sid, read from its own /api/me.
            let otherSID = try await client.me(other.access).string("sid")
            try check(sessions.contains { $0["id"]?.stringValue == otherSID }, "the list holds the other session's sid")

            try expect(try await client.send(.delete, "/auth/sessions/\(otherSID)", bearer: user.tokens.access), .noContent, "deleting a session")
            try expectError(try await client.me(other.access), .unauthorized, "invalid_token", "the deleted session's access token")
            try expectError(try await client.refresh(other.refresh), .badRequest, "invalid_grant", "the deleted session's refresh token")
            try expect(try await client.me(user.tokens.access), .ok, "the remaining session's access token")
            let after = try await client.send(.get, "/auth/sessions", bearer: user.tokens.access)
            try check(try after.json().arrayValue?.count == 1, "one session left: \(after.text.prefix(300))")

            let missing = try await client.send(.delete, "/auth/sessions/no-such-session", bearer: user.tokens.access)
            try expectError(missing, .notFound, "not_found", "deleting a session that never existed")
            let stranger = try await client.newUser("stranger")
            let foreign = try await client.send(
                .delete,
                "/auth/sessions/\(try await client.me(user.tokens.access).string("sid"))",
                bearer: stranger.tokens.access
            )
            try expectError(foreign, .notFound, "not_found", "deleting another user's session")
        },
    ]
}
