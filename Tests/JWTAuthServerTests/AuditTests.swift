import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthSQL
import JWTAuthServer
import Testing

/// The audit log: what each security event records, `GET /admin/audit`, and that no secret
/// ever reaches the database.
@Suite("Audit log")
struct AuditTests {
    /// Every stored event of the fixture's database, read after the server has stopped.
    static func storedEvents(_ fixture: ServerFixture) async throws -> [AuditEvent] {
        let store = try await SQLStore.sqlite(path: fixture.dataDirectory + "/jwtauth.sqlite")
        var events: [AuditEvent] = []
        var query = AuditQuery(limit: AuditQuery.maximumLimit)
        while true {
            let page = try await store.auditEvents(matching: query)
            events += page.entries.map(\.event)
            guard let next = page.next else { break }
            query.after = next
        }
        try await store.close()
        return events
    }

    /// The bytes of the database and its write-ahead log, as text, to search for secrets.
    static func databaseText(_ fixture: ServerFixture) -> String {
        ["jwtauth.sqlite", "jwtauth.sqlite-wal"].map { name in
            (FileManager.default.contents(atPath: fixture.dataDirectory + "/" + name)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }.joined()
    }

    /// The events of `/admin/audit` with these query items, following `next` to the end.
    static func adminAudit(_ api: API, _ admin: Tokens, _ query: String = "") async throws -> [[String: JSONValue]] {
        var events: [[String: JSONValue]] = []
        var after: String?
        repeat {
            let separator = query.isEmpty && after == nil ? "" : "&"
            let uri = "/admin/audit?" + query + (after.map { separator + "after=" + $0 } ?? "")
            let response = try await api.get(uri, bearer: admin.access)
            try #require(response.status == .ok, "\(uri): \(response.text)")
            events += (response.object["events"]?.arrayValue ?? []).compactMap(\.objectValue)
            after = response.object["next"]?.stringValue
        } while after != nil
        return events
    }

    @Test("Each security event is recorded with its fields; no token or password is stored anywhere")
    func eventsAndFields() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.addUser(Admin.username, password: Admin.password, roles: ["admin"])
            let password = "correct horse battery"
            let newPassword = "a much better password 42"
            let secrets = try await fixture.run { api in
                var secrets: [String] = [password, newPassword, "wrong password 9000"]
                let admin = try await api.loginAdmin()
                let (id, first) = try await api.signUp("alice", userAgent: "Agent/1.0")
                secrets += [admin.access, admin.refresh, first.access, first.refresh]
                expectError(try await api.loginResponse("alice", "wrong password 9000"), .unauthorized, "invalid_credentials")
                expectError(try await api.loginResponse("nobody-here", "wrong password 9000"), .unauthorized, "invalid_credentials")

                // Reuse: rotate, then present the first refresh token again.
                let rotated = try await api.refresh(first.refresh)
                try #require(rotated.status == .ok)
                let second = try Tokens(rotated)
                secrets += [second.access, second.refresh]
                expectInvalidGrant(try await api.refresh(first.refresh))

                let third = try await api.login("alice")
                secrets += [third.access, third.refresh]
                #expect(try await api.post("/auth/logout", fields: ["refresh_token": third.refresh]).status == .noContent)
                let fourth = try await api.login("alice")
                let fifth = try await api.login("alice")
                secrets += [fourth.access, fourth.refresh, fifth.access, fifth.refresh]
                let fifthSession = try #require(fifth.sessionID)
                #expect(try await api.delete("/auth/sessions/\(fifthSession)", bearer: fourth.access).status == .noContent)
                #expect(try await api.post("/auth/logout-all", bearer: fourth.access).status == .noContent)
                let sixth = try await api.login("alice")
                secrets += [sixth.access, sixth.refresh]
                let change = try await api.post("/auth/password", fields: ["current_password": password, "new_password": newPassword], bearer: sixth.access)
                #expect(change.status == .noContent, "\(change.text)")
                #expect(try await api.post("/admin/users/\(id)/disable", bearer: admin.access).status == .noContent)
                expectError(try await api.loginResponse("alice", newPassword), .unauthorized, "invalid_credentials")
                #expect(try await api.post("/admin/users/\(id)/enable", bearer: admin.access).status == .noContent)
                #expect(try await api.post("/admin/users/\(id)/revoke", bearer: admin.access).status == .noContent)

                // The route shows the user's events with every field.
                let events = try await Self.adminAudit(api, admin, "user=\(id)")
                let login = try #require(events.first { $0["event"]?.stringValue == "login_succeeded" })
                #expect(login["user_id"]?.stringValue == id)
                #expect(login["session_id"]?.stringValue == first.sessionID)
                #expect(login["client_id"]?.stringValue != nil)
                #expect(login["user_agent"]?.stringValue == "Agent/1.0")
                #expect(login["outcome"]?.stringValue == "success")
                #expect(login["time"]?.integerValue == ServerFixture.start.wholeSeconds)
                #expect(login.keys.contains("client_address"))
                #expect(login["id"]?.stringValue != nil)
                return secrets
            }

            // After the server stopped: everything it recorded is in the database.
            let events = try await Self.storedEvents(fixture)
            let users = try await SQLStore.sqlite(path: fixture.dataDirectory + "/jwtauth.sqlite")
            let alice = try #require(try await users.user(username: "alice")).id
            try await users.close()
            let kinds = events.filter { $0.userID == alice }.map(\.kind.rawValue)
            #expect(
                kinds == [
                    "user_registered", "login_succeeded", "login_failed", "refresh_reuse_detected", "login_succeeded", "logout",
                    "login_succeeded", "login_succeeded", "session_revoked", "logout_all", "login_succeeded", "password_changed",
                    "user_disabled", "login_failed", "user_enabled", "session_revoked",
                ]
            )
            let failures = events.filter { $0.kind == .loginFailed }
            #expect(failures.map(\.outcome) == ["invalid_credentials", "invalid_credentials", "user_disabled"])
            #expect(failures[1].userID == nil, "an unknown username is not recorded")
            let reuse = try #require(events.first { $0.kind == .refreshReuseDetected })
            #expect(reuse.sessionID != nil && reuse.clientID != nil)
            #expect(events.filter { $0.kind == .userRegistered }.count == 2)

            let stored = Self.databaseText(fixture)
            #expect(!stored.isEmpty)
            for secret in secrets {
                #expect(!stored.contains(secret), "a secret reached the database")
                // A token's signature alone would betray it too.
                if let signature = secret.split(separator: ".").last, secret.contains(".") {
                    #expect(!stored.contains(signature))
                }
            }
            #expect(!stored.contains("nobody-here"))
        }
    }

    @Test("GET /admin/audit pages with its cursor and filters by user and event")
    func pagingAndFilters() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (alice, _) = try await api.signUp("alice")
            let (bob, _) = try await api.signUp("bob")
            for _ in 0..<4 { _ = try await api.login("alice") }
            for _ in 0..<3 { _ = try await api.loginResponse("bob", "not the password") }
            // The events reach the store in the background.
            try await eventually("the events are written") {
                try await Self.adminAudit(api, admin, "event=login_failed").count == 3
            }

            let first = try await api.get("/admin/audit?limit=2", bearer: admin.access)
            #expect(first.status == .ok)
            #expect(first.headers[.cacheControl] == "no-store")
            #expect(first.object["events"]?.arrayValue?.count == 2)
            let cursor = try #require(first.object["next"]?.stringValue)
            let second = try await api.get("/admin/audit?limit=2&after=\(cursor)", bearer: admin.access)
            let firstIDs = first.object["events"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
            let secondIDs = second.object["events"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
            #expect(secondIDs.count == 2 && Set(firstIDs).isDisjoint(with: secondIDs))

            let all = try await Self.adminAudit(api, admin, "limit=3")
            #expect(Set(all.compactMap { $0["id"]?.stringValue }).count == all.count, "no event twice across pages")
            let aliceLogins = try await Self.adminAudit(api, admin, "user=\(alice)&event=login_succeeded&limit=1")
            #expect(aliceLogins.count == 5)
            #expect(aliceLogins.allSatisfy { $0["user_id"]?.stringValue == alice })
            let bobFailures = try await Self.adminAudit(api, admin, "user=\(bob)&event=login_failed")
            #expect(bobFailures.count == 3)
            let last = try await api.get("/admin/audit?user=\(bob)&event=login_failed", bearer: admin.access)
            #expect(last.object["next"] == .null, "a short page has no next")
        }
    }

    @Test("Bad filters are 400 invalid_request; a non-admin gets 403 and no token 401")
    func badFiltersAndAuthorization() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let (_, user) = try await api.signUp("alice")
            for query in [
                "event=nonsense", "limit=0", "limit=1001", "limit=ten", "after=abc", "after=-1", "after=", "since=yesterday", "colour=red", "limit=5&limit=6",
                "user=",
            ] {
                expectError(try await api.get("/admin/audit?\(query)", bearer: admin.access), .badRequest, "invalid_request", "\(query)")
            }
            expectError(try await api.get("/admin/audit", bearer: user.access), .forbidden, "insufficient_scope")
            #expect(try await api.get("/admin/audit").status == .unauthorized)
            #expect(try await api.get("/admin/audit?limit=1000", bearer: admin.access).status == .ok)
        }
    }
}
