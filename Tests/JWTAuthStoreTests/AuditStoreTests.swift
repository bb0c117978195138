import JWTAuth
import Testing

/// The audit store conformance suite: the SQL stores (which keep the audit log also when
/// sessions are in Redis) and the memory store.
@Suite("Audit store conformance")
struct AuditStoreTests {
    static let now = NumericDate(1_800_000_000)

    static func event(_ kind: AuditEventKind, user: String?, at offset: Int, agent: String? = "Tests/1.0") -> AuditEvent {
        AuditEvent(
            time: Self.now + .seconds(offset),
            kind: kind,
            userID: user,
            sessionID: user.map { "sid-\($0)-\(offset)" },
            clientID: "web",
            keyID: nil,
            clientAddress: "2001:db8::1",
            userAgent: agent,
            outcome: kind == .loginFailed ? "invalid_credentials" : AuditEvent.success
        )
    }

    @Test("Events are stored in order and read back unchanged, absent fields as absent", arguments: StoreFactory.withUsers)
    func roundTrip(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let audit = try #require(store.users as? any AuditStore)
            let first = Self.event(.loginSucceeded, user: "u-1", at: 0, agent: "Agent ünïcode ✓")
            let second = AuditEvent(time: Self.now + .seconds(1), kind: .keyRotated, keyID: "kid-1")
            try await audit.appendAuditEvents([first, second])
            try await audit.appendAuditEvents([])
            let page = try await audit.auditEvents(matching: AuditQuery())
            #expect(page.entries.map(\.event) == [first, second])
            #expect(page.next == nil, "a short page is the last")
            #expect(page.entries[0].cursor.sequence < page.entries[1].cursor.sequence)
        }
    }

    @Test("Filters by user, event and time combine; pages continue after their cursor", arguments: StoreFactory.withUsers)
    func filtersAndPaging(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let audit = try #require(store.users as? any AuditStore)
            var events: [AuditEvent] = []
            for index in 0..<25 {
                events.append(Self.event(index % 2 == 0 ? .loginSucceeded : .loginFailed, user: index % 3 == 0 ? "u-a" : "u-b", at: index))
            }
            try await audit.appendAuditEvents(events)

            var seen: [AuditEvent] = []
            var query = AuditQuery(limit: 10)
            var pages = 0
            while true {
                let page = try await audit.auditEvents(matching: query)
                pages += 1
                seen += page.entries.map(\.event)
                guard let next = page.next else { break }
                query.after = next
            }
            #expect(seen == events)
            #expect(pages == 3)

            let mine = try await audit.auditEvents(matching: AuditQuery(userID: "u-a", kind: .loginFailed, limit: 1000))
            #expect(mine.entries.map(\.event) == events.filter { $0.userID == "u-a" && $0.kind == .loginFailed })
            let late = try await audit.auditEvents(matching: AuditQuery(since: Self.now + .seconds(20)))
            #expect(late.entries.map(\.event) == Array(events[20...]))
            #expect(try await audit.auditEvents(matching: AuditQuery(userID: "nobody")).entries.isEmpty)
        }
    }

    @Test("Pruning deletes the events before the cutoff and keeps the rest", arguments: StoreFactory.withUsers)
    func prune(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let audit = try #require(store.users as? any AuditStore)
            try await audit.appendAuditEvents((0..<5).map { Self.event(.logout, user: "u-1", at: $0 * 10) })
            #expect(try await audit.pruneAuditEvents(before: Self.now + .seconds(25)) == 3)
            let left = try await audit.auditEvents(matching: AuditQuery())
            #expect(left.entries.map(\.event.time) == [Self.now + .seconds(30), Self.now + .seconds(40)])
        }
    }

    @Test("Users are listed by username; removing one frees its name and says whether it existed", arguments: StoreFactory.withUsers)
    func listAndRemoveUsers(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let users = try #require(store.users)
            for (id, name) in [("u-2", "bob"), ("u-1", "Alice"), ("u-3", "carol")] {
                try await users.createUser(UserRecord(id: id, username: name, passwordHash: "x", createdAt: Self.now))
            }
            #expect(try await users.users().map(\.username) == ["Alice", "bob", "carol"])
            #expect(try await users.removeUser(id: "u-1"))
            #expect(try await !users.removeUser(id: "u-1"))
            #expect(try await users.user(id: "u-1") == nil)
            #expect(try await users.user(username: "alice") == nil)
            try await users.createUser(UserRecord(id: "u-4", username: "ALICE", passwordHash: "x", createdAt: Self.now))
            #expect(try await users.users().map(\.id) == ["u-4", "u-2", "u-3"])
        }
    }
}
