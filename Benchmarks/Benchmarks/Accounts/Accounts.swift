import Benchmark
import BenchmarkFixtures
import JWTAuth

// What the audit log costs a login: `AccountManager.login` on the memory store with the audit
// log off (`DiscardingAuditLog`) and on (`AuditRecorder` writing batches to the memory store's
// audit table in the background, as `jwtauth serve` does). The hasher is nearly free here, so
// the audit record's share is as large as it can get: with bcrypt (tens of milliseconds per
// login) it is smaller still. The target is a login with the audit on within 5 % of off.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(8),
        maxIterations: 1_000_000
    )
    register("audit off") { _ in DiscardingAuditLog() }
    register("audit on") { store in AuditRecorder(store: store) }
}

/// A password hasher that costs next to nothing, so the measurement is what surrounds it.
struct CheapHasher: PasswordHasher {
    func hash(_ password: String) async throws -> String { "cheap:" + password }
    func verify(_ password: String, against hash: String) async throws -> Bool { hash == "cheap:" + password }
}

func register(_ name: String, audit makeAudit: @escaping @Sendable (MemoryStore) -> any AuditLog) {
    Benchmark("login: \(name)") { benchmark async throws in
        let store = MemoryStore()
        let audit = makeAudit(store)
        let sessions = try SessionManager(
            configuration: SessionConfiguration(issuer: Claims.issuer, audience: Claims.audience),
            signingKey: Fixtures.es256.jwtAuthKey,
            sessions: store,
            users: store,
            audit: audit
        )
        let accounts = try await AccountManager(sessions: sessions, hasher: CheapHasher())
        _ = try await accounts.register(username: "benchmark", password: "benchmark password")
        // The recorder's background writer runs as it does in the server.
        let writer = (audit as? AuditRecorder).map { recorder in Task { await recorder.run() } }
        defer { writer?.cancel() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            // Each login beyond the per-user limit evicts the oldest session: a steady state.
            blackHole(
                try await accounts.login(username: "benchmark", password: "benchmark password", clientID: nil, userAgent: "benchmark", address: "192.0.2.1")
            )
        }
        benchmark.stopMeasurement()
    }
}
