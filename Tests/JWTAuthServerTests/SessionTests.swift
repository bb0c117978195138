import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// Logout, logout-all, the sessions list and ending one session: every
/// revocation reaches the session's access tokens on the very next request.
@Suite("Sessions and logout")
struct SessionTests {
    @Test("Logout answers 204; the session's refresh token then fails and its access token is refused")
    func logout() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            let other = try await api.login("alice")
            let response = try await api.post("/auth/logout", fields: ["refresh_token": tokens.refresh])
            #expect(response.status == .noContent, "\(response.text)")
            expectInvalidGrant(try await api.refresh(tokens.refresh))
            expectInvalidToken(try await api.me(tokens.access))
            // Logging out again is harmless.
            #expect(try await api.post("/auth/logout", fields: ["refresh_token": tokens.refresh]).status == .noContent)
            // The other session lives on.
            #expect(try await api.me(other.access).status == .ok)
            #expect(try await api.refresh(other.refresh).status == .ok)
        }
    }

    @Test("Logout without a refresh token is a 400; with an unknown, revoked or wrong kind of token it is a 204 that ends nothing")
    func logoutErrors() async throws {
        try await withServer { api in
            expectError(try await api.post("/auth/logout", json: "{}"), .badRequest, "invalid_request")
            let (_, tokens) = try await api.signUp("alice")
            let ended = try await api.login("alice")
            #expect(try await api.post("/auth/logout", fields: ["refresh_token": ended.refresh]).status == .noContent)
            // An access token is not a refresh token: nothing is ended by it.
            for token in ["garbage", String(repeating: "x", count: 4000), ended.refresh, tokens.access, "a.b.c"] {
                let response = try await api.post("/auth/logout", fields: ["refresh_token": token])
                #expect(response.status == .noContent, "\(token.prefix(20)): \(response.status) \(response.text)")
            }
            #expect(try await api.me(tokens.access).status == .ok, "the live session survived")
            #expect(try await api.refresh(tokens.refresh).status == .ok)
        }
    }

    @Test("Logout-all answers 204 and refuses every session's tokens; a new login works")
    func logoutAll() async throws {
        try await withServer { api in
            let (_, first) = try await api.signUp("alice")
            let second = try await api.login("alice", clientID: "phone")
            let third = try await api.login("alice", clientID: "tablet")
            let bob = try await api.signUp("bob").tokens

            let response = try await api.post("/auth/logout-all", bearer: first.access)
            #expect(response.status == .noContent, "\(response.text)")
            for (name, tokens) in [("first", first), ("second", second), ("third", third)] {
                expectInvalidToken(try await api.me(tokens.access), "\(name) access token")
                expectInvalidGrant(try await api.refresh(tokens.refresh), "\(name) refresh token")
            }
            let list = try await api.get("/auth/sessions", bearer: first.access)
            #expect(list.status == .unauthorized)

            // Another user is not affected; the user can sign in again at once.
            #expect(try await api.me(bob.access).status == .ok)
            let fresh = try await api.login("alice")
            #expect(try await api.me(fresh.access).status == .ok)
            #expect(try await api.refresh(fresh.refresh).status == .ok)
        }
    }

    @Test("Logout-all needs a Bearer token")
    func logoutAllNeedsToken() async throws {
        try await withServer { api in
            let response = try await api.post("/auth/logout-all")
            #expect(response.status == .unauthorized)
            #expect(response.challenge?.hasPrefix("Bearer") == true)
            expectInvalidToken(try await api.post("/auth/logout-all", bearer: "garbage"))
        }
    }

    @Test("GET /auth/sessions lists the user's sessions; each id is its tokens' sid")
    func listSessions() async throws {
        try await withServer { api in
            let (_, laptop) = try await api.signUp("alice", clientID: "laptop-app", userAgent: "Laptop/1.0")
            api.clock.advance(by: .seconds(10))
            let phone = try await api.login("alice", clientID: "phone-app", userAgent: "Phone/2.0")
            _ = try await api.signUp("bob")

            let response = try await api.get("/auth/sessions", bearer: laptop.access)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let sessions = try #require(response.json?.arrayValue).compactMap(\.objectValue)
            #expect(sessions.count == 2, "\(response.text)")
            #expect(Set(sessions.compactMap { $0["id"]?.stringValue }) == Set([laptop.sessionID, phone.sessionID].compactMap { $0 }))
            for session in sessions {
                for member in ["id", "created_at", "last_used_at", "client_id", "user_agent"] {
                    #expect(session[member] != nil, "member \(member) missing: \(session)")
                }
            }
            let byID = Dictionary(uniqueKeysWithValues: sessions.map { ($0["id"]?.stringValue ?? "", $0) })
            let laptopSession = try #require(byID[laptop.sessionID ?? ""])
            let phoneSession = try #require(byID[phone.sessionID ?? ""])
            #expect(laptopSession["client_id"] == "laptop-app")
            #expect(laptopSession["user_agent"] == "Laptop/1.0")
            #expect(laptopSession["created_at"]?.integerValue == ServerFixture.start.wholeSeconds)
            #expect(phoneSession["client_id"] == "phone-app")
            #expect(phoneSession["user_agent"] == "Phone/2.0")
            #expect(phoneSession["created_at"]?.integerValue == ServerFixture.start.wholeSeconds + 10)

            // A refresh moves last_used_at.
            api.clock.advance(by: .seconds(20))
            let rotated = try Tokens(try await api.refresh(laptop.refresh))
            let after = try await api.get("/auth/sessions", bearer: rotated.access).json?.arrayValue?.compactMap(\.objectValue) ?? []
            let laptopAfter = after.first { $0["id"]?.stringValue == laptop.sessionID }
            #expect(laptopAfter?["last_used_at"]?.integerValue == ServerFixture.start.wholeSeconds + 30)
            #expect(laptopAfter?["created_at"]?.integerValue == ServerFixture.start.wholeSeconds)
        }
    }

    @Test("DELETE /auth/sessions/{id} answers 204 and that session's access token is refused at once")
    func deleteSession() async throws {
        try await withServer { api in
            let (_, laptop) = try await api.signUp("alice")
            let phone = try await api.login("alice")
            let phoneID = try #require(phone.sessionID)

            let response = try await api.delete("/auth/sessions/\(phoneID)", bearer: laptop.access)
            #expect(response.status == .noContent, "\(response.text)")
            expectInvalidToken(try await api.me(phone.access), "the deleted session's access token")
            expectInvalidGrant(try await api.refresh(phone.refresh), "the deleted session's refresh token")
            #expect(try await api.me(laptop.access).status == .ok)
            let remaining = try await api.get("/auth/sessions", bearer: laptop.access).json?.arrayValue ?? []
            #expect(remaining.compactMap { $0.objectValue?["id"]?.stringValue } == [laptop.sessionID].compactMap { $0 })

            // A session may end itself.
            #expect(try await api.delete("/auth/sessions/\(laptop.sessionID ?? "")", bearer: laptop.access).status == .noContent)
            expectInvalidToken(try await api.me(laptop.access))
        }
    }

    @Test("Deleting another user's session or an unknown id is a 404, and changes nothing")
    func deleteForeignSession() async throws {
        try await withServer { api in
            let (_, alice) = try await api.signUp("alice")
            let (_, bob) = try await api.signUp("bob")
            let foreign = try await api.delete("/auth/sessions/\(bob.sessionID ?? "")", bearer: alice.access)
            expectError(foreign, .notFound, "not_found", "another user's session")
            #expect(try await api.me(bob.access).status == .ok, "bob's session must survive")
            expectError(try await api.delete("/auth/sessions/no-such-session", bearer: alice.access), .notFound, "not_found", "unknown id")
            let anonymous = try await api.delete("/auth/sessions/\(bob.sessionID ?? "")")
            #expect(anonymous.status == .unauthorized)
            #expect(try await api.me(bob.access).status == .ok)
        }
    }

    @Test("Beyond the per-user session cap the oldest session is evicted, and its tokens die at once")
    func sessionCap() async throws {
        try await withServer(configure: { $0.session.maximumSessionsPerUser = 3 }) { api in
            let (_, oldest) = try await api.signUp("alice")
            var newer: [Tokens] = []
            for _ in 0..<3 {
                api.clock.advance(by: .seconds(1))
                newer.append(try await api.login("alice"))
            }
            expectInvalidToken(try await api.me(oldest.access), "the evicted session's access token")
            expectInvalidGrant(try await api.refresh(oldest.refresh), "the evicted session's refresh token")
            for tokens in newer {
                #expect(try await api.me(tokens.access).status == .ok)
            }
            let list = try await api.get("/auth/sessions", bearer: newer[0].access).json?.arrayValue ?? []
            #expect(list.count == 3)
            #expect(!list.contains { $0.objectValue?["id"]?.stringValue == oldest.sessionID })
        }
    }

    @Test("A session ends at its absolute lifetime (30 d) however often it is refreshed")
    func absoluteLifetime() async throws {
        try await withServer { api in
            let (_, first) = try await api.signUp("alice")
            let lifetime: Int64 = 30 * 86400
            var tokens = first
            var elapsed: Int64 = 0
            while elapsed + 5 * 3600 < lifetime {
                api.clock.advance(by: .seconds(5 * 3600))
                elapsed += 5 * 3600
                let response = try await api.refresh(tokens.refresh)
                try #require(response.status == .ok, "refresh after \(elapsed) s: \(response.text)")
                tokens = try Tokens(response)
                let refreshExpiresIn = try #require(tokens.members["refresh_expires_in"]?.integerValue)
                #expect(refreshExpiresIn == min(21600, lifetime - elapsed), "after \(elapsed) s")
            }
            api.clock.advance(by: .seconds(Double(lifetime - elapsed)))
            expectInvalidGrant(try await api.refresh(tokens.refresh), "at the end of the session's lifetime")
        }
    }

    @Test("Changing the password answers 204 and ends every session of the user")
    func passwordChange() async throws {
        try await withServer { api in
            let (_, first) = try await api.signUp("alice")
            let second = try await api.login("alice")
            let wrong = try await api.post(
                "/auth/password",
                fields: ["current_password": "not it at all", "new_password": "a brand new password"],
                bearer: first.access
            )
            expectError(wrong, .badRequest, "invalid_grant")
            #expect(try await api.me(first.access).status == .ok, "a failed change revokes nothing")

            let response = try await api.post(
                "/auth/password",
                fields: ["current_password": "correct horse battery", "new_password": "a brand new password"],
                bearer: first.access
            )
            #expect(response.status == .noContent, "\(response.text)")
            for tokens in [first, second] {
                expectInvalidToken(try await api.me(tokens.access))
                expectInvalidGrant(try await api.refresh(tokens.refresh))
            }
            expectError(try await api.loginResponse("alice", "correct horse battery"), .unauthorized, "invalid_credentials")
            _ = try await api.login("alice", "a brand new password")
        }
    }
}
