import JWTAuth
import JWTAuthPrometheus
import Prometheus
import Testing

/// The wrapping stores forward every requirement to the store they wrap and time each call
/// under its own `operation`, so that wrapping changes no behaviour.
@Suite("Instrumented stores")
struct InstrumentedStoreTests {
    let registry = PrometheusCollectorRegistry()
    var metrics: JWTAuthMetrics { JWTAuthMetrics(factory: PrometheusExporter.makeFactory(registry: self.registry)) }
    let now = NumericDate(1_800_000_000)

    func calls(_ operation: StoreOperation, store: String = "memory") -> Double? {
        Scrape(self.registry.emitToString())["jwtauth_store_operation_duration_seconds_count", ["store": store, "operation": operation.rawValue]]
    }

    func errors(_ operation: StoreOperation, store: String = "memory") -> Double? {
        Scrape(self.registry.emitToString())["jwtauth_store_errors_total", ["store": store, "operation": operation.rawValue]]
    }

    @Test("Every user store call reaches the wrapped store and is timed once; a taken username is not a store error")
    func users() async throws {
        let base = MemoryStore()
        let store = InstrumentedUserStore(base, store: "memory", metrics: self.metrics)
        let user = UserRecord(id: "u1", username: "metrics-alice", passwordHash: "x", createdAt: self.now)
        try await store.createUser(user)
        await #expect(throws: JWTAuthError.self) { try await store.createUser(user) }
        #expect(try await store.user(id: "u1")?.username == "metrics-alice")
        #expect(try await store.user(username: "metrics-alice")?.id == "u1")
        var disabled = user
        disabled.isDisabled = true
        #expect(try await store.updateUser(disabled))
        #expect(try await base.user(id: "u1")?.isDisabled == true)
        #expect(try await store.userCount() == 1)
        #expect(try await store.users().map(\.id) == ["u1"])
        #expect(try await store.removeUser(id: "u1"))
        #expect(try await base.user(id: "u1") == nil)
        try await store.checkHealth()

        #expect(self.calls(.createUser) == 2)
        #expect(self.errors(.createUser) == 0)
        for operation in InstrumentedUserStore.operations where operation != .createUser {
            #expect(self.calls(operation) == 1, "\(operation)")
        }
    }

    @Test("Every session store call reaches the wrapped store and is timed once")
    func sessions() async throws {
        let base = MemoryStore()
        let store = InstrumentedSessionStore(base, store: "memory", metrics: self.metrics)
        let session = SessionRecord(
            id: "s1",
            userID: "u1",
            clientID: "web",
            userAgent: nil,
            createdAt: self.now,
            lastUsedAt: self.now,
            expiresAt: self.now + .seconds(3600),
            refreshExpiresAt: self.now + .seconds(600),
            rotatedAt: self.now,
            currentTokenID: "t1"
        )
        #expect(try await store.createSession(session, maximumPerUser: 5).isEmpty)
        #expect(try await store.session(id: "s1", userID: "u1")?.currentTokenID == "t1")
        #expect(try await store.activeSessions(userID: "u1", at: self.now).map(\.id) == ["s1"])
        let request = RotationRequest(
            sessionID: "s1",
            userID: "u1",
            presentedTokenID: "t1",
            newTokenID: "t2",
            now: self.now,
            refreshLifetime: .seconds(600),
            reuseInterval: .zero
        )
        guard case .rotated(let rotated) = try await store.rotate(request) else {
            Issue.record("not rotated")
            return
        }
        #expect(rotated.currentTokenID == "t2")
        #expect(try await store.revokeSession(id: "s1", userID: "u1", at: self.now, reason: .logout)?.revokedAt != nil)
        #expect(try await store.revokeUser(id: "u1", at: self.now, reason: .adminRevoked).isEmpty)
        #expect(try await store.revocations(after: nil).events.contains { $0.kind == .user && $0.subject == "u1" })
        #expect((store.revocationFeed() == nil) == (base.revocationFeed() == nil))
        try await store.purgeExpired(at: self.now, revocationRetention: .seconds(3600))
        try await store.checkHealth()

        for operation in InstrumentedSessionStore.operations {
            #expect(self.calls(operation) == 1, "\(operation)")
        }
    }

    @Test("Client, audit and signing-key store calls reach the wrapped stores and are timed")
    func clientsAuditAndKeys() async throws {
        let base = MemoryStore()
        let clients = InstrumentedClientStore(base, store: "memory", metrics: self.metrics)
        try await clients.createClient(ClientRecord(id: "c1", name: "reader", secretHash: "x", scopes: ["revocations"], createdAt: self.now))
        #expect(try await clients.client(id: "c1")?.name == "reader")
        #expect(try await clients.clients().map(\.id) == ["c1"])
        #expect(try await clients.removeClient(id: "c1"))

        let audit = InstrumentedAuditStore(base, store: "memory", metrics: self.metrics)
        try await audit.appendAuditEvents([AuditEvent(time: self.now, kind: .loginSucceeded, userID: "u1")])
        #expect(try await audit.auditEvents(matching: AuditQuery()).entries.count == 1)
        #expect(try await audit.pruneAuditEvents(before: self.now + .seconds(1)) == 1)

        let keys = InstrumentedSigningKeyStore(MemorySigningKeyStore(), store: "memory", metrics: self.metrics)
        #expect(try await keys.signingKeys().isEmpty)
        #expect(try await keys.updateSigningKeys { records in (records, 42) } == 42)

        for operation in InstrumentedClientStore.operations + InstrumentedAuditStore.operations + InstrumentedSigningKeyStore.operations {
            #expect(self.calls(operation) == 1, "\(operation)")
        }
    }

    @Test("A store that is down counts as a store error of its operation")
    func storeErrors() async throws {
        let store = InstrumentedUserStore(DownUserStore(), store: "postgres", metrics: self.metrics)
        await #expect(throws: JWTAuthError.self) { try await store.user(id: "u1") }
        await #expect(throws: JWTAuthError.self) { try await store.user(id: "u1") }
        #expect(self.errors(.userByID, store: "postgres") == 2)
        #expect(self.calls(.userByID, store: "postgres") == 2)
        #expect(self.errors(.users, store: "postgres") == 0)
    }
}

/// A user store whose database is unreachable.
private struct DownUserStore: UserStore {
    func fail() -> JWTAuthError { JWTAuthError(.storeUnavailable, "down") }
    func createUser(_ user: UserRecord) async throws { throw self.fail() }
    func user(id: String) async throws -> UserRecord? { throw self.fail() }
    func user(username: String) async throws -> UserRecord? { throw self.fail() }
    func updateUser(_ user: UserRecord) async throws -> Bool { throw self.fail() }
    func userCount() async throws -> Int { throw self.fail() }
    func users() async throws -> [UserRecord] { throw self.fail() }
    func removeUser(id: String) async throws -> Bool { throw self.fail() }
    func checkHealth() async throws { throw self.fail() }
}
