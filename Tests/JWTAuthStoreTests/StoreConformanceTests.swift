import Foundation
import JWTAuth
import Testing

/// The conformance suite every store passes: the same tests, parameterized over stores.
@Suite("Store conformance")
struct StoreConformanceTests {
    static let now = NumericDate(1_800_000_000)

    static func session(
        _ id: String,
        user: String = "user-1",
        created: NumericDate = now,
        current: String = "jti-0",
        lifetime: Duration = .seconds(30 * 86400),
        idle: Duration = .seconds(6 * 3600)
    ) -> SessionRecord {
        SessionRecord(
            id: id,
            userID: user,
            clientID: "web",
            userAgent: "Tests/1.0",
            createdAt: created,
            lastUsedAt: created,
            expiresAt: created + lifetime,
            refreshExpiresAt: created + idle,
            rotatedAt: created,
            currentTokenID: current
        )
    }

    static func rotation(
        _ session: String,
        _ presented: String,
        _ new: String,
        at now: NumericDate = now + .seconds(10),
        reuse: Duration = .zero,
        user: String = "user-1"
    ) -> RotationRequest {
        RotationRequest(
            sessionID: session,
            userID: user,
            presentedTokenID: presented,
            newTokenID: new,
            now: now,
            refreshLifetime: .seconds(6 * 3600),
            reuseInterval: reuse
        )
    }

    // MARK: - Sessions

    @Test("A session is stored and read back unchanged", arguments: StoreFactory.all)
    func roundTrip(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            var session = Self.session("s-1")
            session.userAgent = "Agent with ünïcode"
            #expect(try await store.sessions.createSession(session, maximumPerUser: 20).isEmpty)
            #expect(try await store.sessions.session(id: "s-1", userID: "user-1") == session)
            var bare = Self.session("s-2")
            bare.userAgent = nil
            _ = try await store.sessions.createSession(bare, maximumPerUser: 20)
            #expect(try await store.sessions.session(id: "s-2", userID: "user-1") == bare)
            #expect(try await store.sessions.session(id: "missing", userID: "user-1") == nil)
        }
    }

    @Test("Active sessions are listed newest first; revoked and expired ones are not", arguments: StoreFactory.all)
    func activeSessions(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            for index in 0..<4 {
                _ = try await store.sessions.createSession(Self.session("s-\(index)", created: Self.now + .seconds(index)), maximumPerUser: 20)
            }
            _ = try await store.sessions.createSession(Self.session("other", user: "user-2"), maximumPerUser: 20)
            _ = try await store.sessions.createSession(Self.session("short", created: Self.now, idle: .seconds(5)), maximumPerUser: 20)
            _ = try await store.sessions.revokeSession(id: "s-1", userID: "user-1", at: Self.now + .seconds(5), reason: .logout)
            let listed = try await store.sessions.activeSessions(userID: "user-1", at: Self.now + .seconds(10))
            #expect(listed.map(\.id) == ["s-3", "s-2", "s-0"])
        }
    }

    @Test("Creating sessions beyond the maximum revokes the oldest and logs it", arguments: StoreFactory.all)
    func eviction(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            var evicted: [String] = []
            for index in 0..<5 {
                let created = Self.now + .seconds(index)
                evicted += try await store.sessions.createSession(Self.session("s-\(index)", created: created), maximumPerUser: 3).map(\.id)
            }
            #expect(evicted == ["s-0", "s-1"])
            #expect(try await store.sessions.session(id: "s-0", userID: "user-1")?.revocationReason == .evicted)
            let active = try await store.sessions.activeSessions(userID: "user-1", at: Self.now + .seconds(5))
            #expect(active.map(\.id) == ["s-4", "s-3", "s-2"])
            let log = try await store.sessions.revocations(after: nil).events
            #expect(log.map(\.subject) == ["s-0", "s-1"])
        }
    }

    @Test("Presenting the current token rotates: previous ← current ← new, idle deadline reset", arguments: StoreFactory.all)
    func rotation(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("s", lifetime: .seconds(6 * 3600 + 5)), maximumPerUser: 20)
            let at = Self.now + .seconds(10)
            guard case .rotated(let rotated) = try await store.sessions.rotate(Self.rotation("s", "jti-0", "jti-1", at: at)) else {
                Issue.record("not rotated")
                return
            }
            #expect(rotated.currentTokenID == "jti-1" && rotated.previousTokenID == "jti-0")
            #expect(rotated.rotatedAt == at && rotated.lastUsedAt == at)
            // The idle deadline moved, but never past the absolute end of the session.
            #expect(rotated.refreshExpiresAt == rotated.expiresAt)
            #expect(try await store.sessions.session(id: "s", userID: "user-1") == rotated)
        }
    }

    @Test("The previous token inside the reuse interval gets the same successor; after it, the session is revoked", arguments: StoreFactory.all)
    func reuseInterval(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("s"), maximumPerUser: 20)
            _ = try await store.sessions.rotate(Self.rotation("s", "jti-0", "jti-1", at: Self.now + .seconds(10), reuse: .seconds(5)))
            let again = try await store.sessions.rotate(Self.rotation("s", "jti-0", "jti-x", at: Self.now + .seconds(14), reuse: .seconds(5)))
            guard case .reissued(let same) = again else {
                Issue.record("expected a reissue, got \(again)")
                return
            }
            #expect(same.currentTokenID == "jti-1")
            let late = try await store.sessions.rotate(Self.rotation("s", "jti-0", "jti-y", at: Self.now + .seconds(16), reuse: .seconds(5)))
            guard case .reuseDetected(let revoked) = late else {
                Issue.record("expected reuse detection, got \(late)")
                return
            }
            #expect(revoked.revocationReason == .reuseDetected)
            #expect(try await store.sessions.session(id: "s", userID: "user-1")?.revokedAt != nil)
            #expect(try await store.sessions.revocations(after: nil).events.map(\.subject) == ["s"])
        }
    }

    @Test("With no reuse interval, the previous token or a stranger's jti revokes the session", arguments: StoreFactory.all)
    func reuseWithoutInterval(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("a"), maximumPerUser: 20)
            _ = try await store.sessions.createSession(Self.session("b"), maximumPerUser: 20)
            _ = try await store.sessions.rotate(Self.rotation("a", "jti-0", "jti-1"))
            #expect(try await store.sessions.rotate(Self.rotation("a", "jti-0", "jti-2")).isReuse)
            #expect(try await store.sessions.rotate(Self.rotation("b", "forged", "jti-2")).isReuse)
            // Once revoked, even the current token is refused, without further change.
            #expect(try await store.sessions.rotate(Self.rotation("a", "jti-1", "jti-3")) == .rejected(.revoked))
            #expect(try await store.sessions.session(id: "a", userID: "user-1")?.currentTokenID == "jti-1")
        }
    }

    @Test("A session only exists for its own user: reads, rotations and revocations under another user id find nothing", arguments: StoreFactory.all)
    func sessionsBelongToTheirUser(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("mine"), maximumPerUser: 20)
            #expect(try await store.sessions.session(id: "mine", userID: "intruder") == nil)
            #expect(try await store.sessions.rotate(Self.rotation("mine", "jti-0", "jti-1", user: "intruder")) == .rejected(.unknownSession))
            #expect(try await store.sessions.revokeSession(id: "mine", userID: "intruder", at: Self.now, reason: .logout) == nil)
            let untouched = try await store.sessions.session(id: "mine", userID: "user-1")
            #expect(untouched?.currentTokenID == "jti-0" && untouched?.revokedAt == nil)
        }
    }

    @Test("Unknown and expired sessions are refused without change", arguments: StoreFactory.all)
    func rejections(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            #expect(try await store.sessions.rotate(Self.rotation("missing", "jti-0", "jti-1")) == .rejected(.unknownSession))
            _ = try await store.sessions.createSession(Self.session("idle", idle: .seconds(60)), maximumPerUser: 20)
            #expect(try await store.sessions.rotate(Self.rotation("idle", "jti-0", "jti-1", at: Self.now + .seconds(60))) == .rejected(.expired))
            _ = try await store.sessions.createSession(Self.session("ended", lifetime: .seconds(30)), maximumPerUser: 20)
            #expect(try await store.sessions.rotate(Self.rotation("ended", "jti-0", "jti-1", at: Self.now + .seconds(30))) == .rejected(.expired))
            #expect(try await store.sessions.session(id: "idle", userID: "user-1")?.currentTokenID == "jti-0")
        }
    }

    @Test("50 concurrent refreshes of one token: exactly one winner, never two live children", arguments: StoreFactory.all)
    func concurrentRotation(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("race"), maximumPerUser: 20)
            let sessions = store.sessions
            let outcomes = try await withThrowingTaskGroup(of: (String, RotationOutcome).self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let new = "child-\(index)"
                        return (new, try await sessions.rotate(Self.rotation("race", "jti-0", new)))
                    }
                }
                return try await group.reduce(into: [(String, RotationOutcome)]()) { $0.append($1) }
            }
            let winners = outcomes.filter { if case .rotated = $0.1 { return true } else { return false } }
            #expect(winners.count == 1)
            // Every other attempt saw a rotated-away token: reuse, and from then on revoked.
            #expect(
                outcomes.allSatisfy {
                    if case .rotated = $0.1 { return true }
                    return $0.1.isReuse || $0.1 == .rejected(.revoked)
                }
            )
            let final = try #require(try await sessions.session(id: "race", userID: "user-1"))
            #expect(final.currentTokenID == winners.first?.0)
            #expect(final.revokedAt != nil)
        }
    }

    @Test("Inside the reuse interval, 50 concurrent refreshes all get the same successor", arguments: StoreFactory.all)
    func concurrentRotationWithGrace(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("race"), maximumPerUser: 20)
            let sessions = store.sessions
            let outcomes = try await withThrowingTaskGroup(of: RotationOutcome.self) { group in
                for index in 0..<50 {
                    group.addTask { try await sessions.rotate(Self.rotation("race", "jti-0", "child-\(index)", reuse: .seconds(30))) }
                }
                return try await group.reduce(into: [RotationOutcome]()) { $0.append($1) }
            }
            let successors = Set(
                outcomes.compactMap { outcome -> String? in
                    switch outcome {
                    case .rotated(let session), .reissued(let session): session.currentTokenID
                    default: nil
                    }
                }
            )
            #expect(successors.count == 1)
            #expect(outcomes.count { if case .rotated = $0 { true } else { false } } == 1)
            #expect(try await sessions.session(id: "race", userID: "user-1")?.revokedAt == nil)
        }
    }

    @Test("Revoking a session is idempotent and logged once", arguments: StoreFactory.all)
    func revokeSession(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("s"), maximumPerUser: 20)
            let first = try await store.sessions.revokeSession(id: "s", userID: "user-1", at: Self.now + .seconds(1), reason: .logout)
            let second = try await store.sessions.revokeSession(id: "s", userID: "user-1", at: Self.now + .seconds(2), reason: .adminRevoked)
            #expect(first?.revokedAt == Self.now + .seconds(1) && first?.revocationReason == .logout)
            #expect(second == first)
            #expect(try await store.sessions.revokeSession(id: "missing", userID: "user-1", at: Self.now, reason: .logout) == nil)
            let log = try await store.sessions.revocations(after: nil)
            #expect(log.events == [RevocationEvent(kind: .session, subject: "s", at: Self.now + .seconds(1))])
        }
    }

    @Test("Revoking a user ends every session and logs the sessions and the user", arguments: StoreFactory.all)
    func revokeUser(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            for index in 0..<3 { _ = try await store.sessions.createSession(Self.session("s-\(index)"), maximumPerUser: 20) }
            _ = try await store.sessions.createSession(Self.session("keep", user: "user-2"), maximumPerUser: 20)
            let at = Self.now + .seconds(3)
            let revoked = try await store.sessions.revokeUser(id: "user-1", at: at, reason: .logoutAll)
            #expect(Set(revoked) == ["s-0", "s-1", "s-2"])
            #expect(try await store.sessions.activeSessions(userID: "user-1", at: at).isEmpty)
            #expect(try await store.sessions.activeSessions(userID: "user-2", at: at).count == 1)
            let events = try await store.sessions.revocations(after: nil).events
            #expect(events.last == RevocationEvent(kind: .user, subject: "user-1", at: at))
            #expect(Set(events.dropLast().map(\.subject)) == ["s-0", "s-1", "s-2"])
        }
    }

    @Test("The revocation log is read in order from a cursor", arguments: StoreFactory.all)
    func revocationLog(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            for index in 0..<3 { _ = try await store.sessions.createSession(Self.session("s-\(index)"), maximumPerUser: 20) }
            _ = try await store.sessions.revokeSession(id: "s-0", userID: "user-1", at: Self.now + .seconds(1), reason: .logout)
            let first = try await store.sessions.revocations(after: nil)
            #expect(first.events.map(\.subject) == ["s-0"])
            _ = try await store.sessions.revokeSession(id: "s-1", userID: "user-1", at: Self.now + .seconds(2), reason: .logout)
            _ = try await store.sessions.revokeSession(id: "s-2", userID: "user-1", at: Self.now + .seconds(3), reason: .logout)
            let next = try await store.sessions.revocations(after: first.cursor)
            #expect(next.events.map(\.subject) == ["s-1", "s-2"])
            #expect(try await store.sessions.revocations(after: next.cursor).events.isEmpty)
        }
    }

    @Test("Purging forgets old revocations; what is expired or revoked stays unusable", arguments: StoreFactory.all)
    func purge(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            _ = try await store.sessions.createSession(Self.session("old", lifetime: .seconds(100)), maximumPerUser: 20)
            _ = try await store.sessions.createSession(Self.session("idle", idle: .seconds(100)), maximumPerUser: 20)
            _ = try await store.sessions.createSession(Self.session("young"), maximumPerUser: 20)
            _ = try await store.sessions.createSession(Self.session("revoked"), maximumPerUser: 20)
            _ = try await store.sessions.revokeSession(id: "revoked", userID: "user-1", at: Self.now + .seconds(1), reason: .logout)
            let later = Self.now + .seconds(1000)
            try await store.sessions.purgeExpired(at: later, revocationRetention: .seconds(500))
            // Physically gone (SQL, memory) or left to expire by TTL (Redis): either way unusable.
            for id in ["old", "idle", "revoked"] {
                #expect(try await store.sessions.session(id: id, userID: "user-1")?.isActive(at: later) != true)
                let outcome = try await store.sessions.rotate(Self.rotation(id, "jti-0", "jti-9", at: later))
                switch outcome {
                case .rejected, .reuseDetected: break
                case .rotated, .reissued: Issue.record("\(id): a purged or revoked session rotated: \(outcome)")
                }
            }
            if !factory.name.hasPrefix("Redis") {
                // Redis leaves these to their TTLs (real time); the others delete them, the
                // idle-expired one too (it can never refresh again), so nothing piles up.
                for id in ["old", "idle", "revoked"] {
                    #expect(try await store.sessions.session(id: id, userID: "user-1") == nil, "\(id) is still stored")
                }
            }
            #expect(try await store.sessions.session(id: "young", userID: "user-1")?.isActive(at: later) == true)
            #expect(try await store.sessions.revocations(after: nil).events.isEmpty)
        }
    }

    // MARK: - Users

    @Test("Users: usernames are unique case-insensitively; lookup by id and by any case", arguments: StoreFactory.withUsers)
    func users(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let users = try #require(store.users)
            let alice = UserRecord(id: "u-1", username: "Alice", passwordHash: "$2b$04$hash", roles: ["admin", "reader"], createdAt: Self.now)
            try await users.createUser(alice)
            #expect(try await users.user(id: "u-1") == alice)
            #expect(try await users.user(username: "aLICE") == alice)
            #expect(try await users.user(username: "bob") == nil)
            let duplicate = UserRecord(id: "u-2", username: "ALICE", passwordHash: "x", createdAt: Self.now)
            let error = await #expect(throws: JWTAuthError.self) { try await users.createUser(duplicate) }
            #expect(error?.code == .usernameTaken)
            var updated = alice
            updated.isDisabled = true
            updated.roles = []
            updated.passwordHash = "$2b$04$other"
            #expect(try await users.updateUser(updated))
            #expect(try await users.user(id: "u-1") == updated)
            #expect(try await !users.updateUser(UserRecord(id: "nobody", username: "x", passwordHash: "x", createdAt: Self.now)))
            #expect(try await users.userCount() == 1)
        }
    }

    @Test("Users: width, case and composition make no new name (PRECIS UsernameCaseMapped) in every store", arguments: StoreFactory.withUsers)
    func usernameProfile(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let users = try #require(store.users)
            let jose = UserRecord(id: "u-1", username: "jos\u{E9}", passwordHash: "$2b$04$hash", createdAt: Self.now)
            try await users.createUser(jose)
            for spelling in ["jose\u{301}", "JOSE\u{301}", "JOS\u{C9}", "ｊｏｓｅ\u{301}"] {
                #expect(try await users.user(username: spelling)?.id == "u-1", "\(spelling.unicodeScalars.map(\.value))")
            }
            #expect(try await users.user(username: "jose") == nil, "an accent is part of the name")
            let decomposed = UserRecord(id: "u-2", username: "JOSE\u{301}", passwordHash: "x", createdAt: Self.now)
            let error = await #expect(throws: JWTAuthError.self) { try await users.createUser(decomposed) }
            #expect(error?.code == .usernameTaken)
            let fullwidth = UserRecord(id: "u-3", username: "ＡＬＩＣＥ", passwordHash: "x", createdAt: Self.now)
            try await users.createUser(fullwidth)
            #expect(try await users.user(username: "alice")?.id == "u-3")
        }
    }

    @Test("Twenty concurrent registrations of one name: exactly one succeeds", arguments: StoreFactory.withUsers)
    func concurrentRegistration(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let users = try #require(store.users)
            // Each loser must lose to the winner (username_taken), not to a locked database or
            // any other failure.
            let results = await withTaskGroup(of: String?.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let user = UserRecord(id: "u-\(index)", username: index % 2 == 0 ? "carol" : "CAROL", passwordHash: "x", createdAt: Self.now)
                        do {
                            try await users.createUser(user)
                            return nil
                        } catch let error as JWTAuthError {
                            return error.code.description
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(results.count(where: { $0 == nil }) == 1)
            #expect(results.compactMap { $0 }.allSatisfy { $0 == "username_taken" }, "\(results)")
            #expect(try await users.userCount() == 1)
        }
    }

    @Test("A NUL character in a lookup is bad input (or simply not found), never an outage", arguments: StoreFactory.all)
    func nulCharacters(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            func expectNotAnOutage(_ what: String, _ lookup: () async throws -> Bool) async {
                do {
                    #expect(try await lookup() == false, "\(what) found something")
                } catch let error as JWTAuthError {
                    #expect(error.code == .invalidInput, "\(what): \(error)")
                } catch {
                    Issue.record("\(what): \(error)")
                }
            }
            await expectNotAnOutage("session") { try await store.sessions.session(id: "s\u{0}1", userID: "user-1") != nil }
            if let users = store.users {
                await expectNotAnOutage("user by name") { try await users.user(username: "al\u{0}ice") != nil }
                await expectNotAnOutage("user by id") { try await users.user(id: "u\u{0}1") != nil }
            }
            // And the store is still trusted to be up.
            try await store.sessions.checkHealth()
            _ = try await store.sessions.createSession(Self.session("after-nul"), maximumPerUser: 20)
        }
    }

    // Parameterized tests cannot skip one argument: this test says (as a skip) when stores on
    // servers are left out, so a run without them does not look complete.
    @Test(
        "The suite runs on PostgreSQL, Redis, Redis Cluster and Redis over TLS too",
        .enabled(
            if: StoreFactory.missingServices.isEmpty,
            "\(StoreFactory.missingServices.joined(separator: ", ")) not set: those stores are left out of this suite"
        )
    )
    func serverStoresIncluded() {
        #expect(StoreFactory.all.map(\.name).sorted() == ["PostgreSQL", "Redis", "Redis Cluster", "Redis over TLS", "SQLite", "memory"])
    }

    @Test("A healthy store says so", arguments: StoreFactory.all)
    func health(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            try await store.sessions.checkHealth()
            try await store.users?.checkHealth()
        }
    }
}

extension RotationOutcome {
    var isReuse: Bool {
        if case .reuseDetected = self { return true }
        return false
    }
}
