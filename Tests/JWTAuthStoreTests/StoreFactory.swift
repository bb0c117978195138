import Foundation
import JWTAuth
import JWTAuthRedis
import JWTAuthSQL
import Testing

/// A store under test: the session side always, the user side when the store has one, and
/// where the kind of store counts failed logins.
struct StoreUnderTest: Sendable {
    var sessions: any SessionStore
    var users: (any UserStore)?
    var loginLimits: any LoginLimitStore
}

/// Makes fresh, empty stores of one kind for each test, and cleans up after.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> (StoreUnderTest, @Sendable () async -> Void)

    var testDescription: String { self.name }

    func with(_ body: (StoreUnderTest) async throws -> Void) async throws {
        let (store, cleanup) = try await self.make()
        do {
            try await body(store)
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    static let memory = StoreFactory(name: "memory") {
        let store = MemoryStore()
        return (StoreUnderTest(sessions: store, users: store, loginLimits: MemoryLoginLimitStore()), {})
    }

    static let sqlite = StoreFactory(name: "SQLite") {
        let directory = try TemporaryDirectory()
        let store = try await SQLStore.sqlite(path: directory.path + "/test.sqlite")
        return (
            StoreUnderTest(sessions: store, users: store, loginLimits: store),
            {
                try? await store.close()
                directory.remove()
            }
        )
    }

    /// The per-operation deadline of the PostgreSQL stores under test. The tests check what the
    /// stores do, not how fast: with the whole suite running on two cores, 50 concurrent calls
    /// queued on a 10-connection pool can outlast the production default of 3 s.
    static let postgresDeadline: Duration = .seconds(30)

    /// A fresh database on the PostgreSQL server the test script started.
    static let postgres = StoreFactory.service(name: "PostgreSQL", variable: "JWTAUTH_TEST_POSTGRES_URL") { url in
        let database = "jwtauth_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await PostgresAdmin.execute(url, "CREATE DATABASE \(database)")
        let store = try await SQLStore.postgres(url: PostgresAdmin.url(url, database: database), deadline: Self.postgresDeadline)
        return (
            StoreUnderTest(sessions: store, users: store, loginLimits: store),
            {
                try? await store.close()
                try? await PostgresAdmin.execute(url, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            }
        )
    }

    /// Sessions in Redis (single node), under a key prefix of their own.
    static let redis = StoreFactory.service(name: "Redis", variable: "JWTAUTH_TEST_REDIS_URL") { url in
        let store = try RedisSessionStore(url: url, keyPrefix: "test-" + UUID().uuidString.lowercased(), revocationRetention: .seconds(361))
        return (StoreUnderTest(sessions: store, users: nil, loginLimits: store), { await store.close() })
    }

    /// Sessions in a Redis Cluster.
    static let redisCluster = StoreFactory.service(name: "Redis Cluster", variable: "JWTAUTH_TEST_REDIS_CLUSTER_URL") { url in
        let store = try RedisSessionStore(url: url, keyPrefix: "test-" + UUID().uuidString.lowercased(), revocationRetention: .seconds(361))
        return (StoreUnderTest(sessions: store, users: nil, loginLimits: store), { await store.close() })
    }

    /// Sessions in Redis over TLS (`rediss://…?ca=…`, verifying the certificate and its name).
    static let redisTLS = StoreFactory.service(name: "Redis over TLS", variable: "JWTAUTH_TEST_REDIS_TLS_URL") { url in
        let store = try RedisSessionStore(url: url, keyPrefix: "test-" + UUID().uuidString.lowercased(), revocationRetention: .seconds(361))
        return (StoreUnderTest(sessions: store, users: nil, loginLimits: store), { await store.close() })
    }

    /// A store on a server named by an environment variable. Without it the tests using it
    /// fail when the test script asked for every service (JWTAUTH_REQUIRE_SERVICES), and are
    /// left out otherwise.
    static func service(
        name: String,
        variable: String,
        make: @escaping @Sendable (String) async throws -> (StoreUnderTest, @Sendable () async -> Void)
    ) -> StoreFactory? {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment[variable], !url.isEmpty {
            return StoreFactory(name: name) { try await make(url) }
        }
        guard environment["JWTAUTH_REQUIRE_SERVICES"] != nil else { return nil }
        return StoreFactory(name: name) {
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "\(name) is required but \(variable) is not set"])
        }
    }

    /// Every store available here. PostgreSQL and Redis join when the test script started
    /// them (their URLs in the environment).
    static var all: [StoreFactory] { [memory, sqlite] + [postgres, redis, redisCluster, redisTLS].compactMap { $0 } }

    /// The server stores whose URL variable is not set here (and are left out of `all`).
    static var missingServices: [String] {
        let environment = ProcessInfo.processInfo.environment
        return ["JWTAUTH_TEST_POSTGRES_URL", "JWTAUTH_TEST_REDIS_URL", "JWTAUTH_TEST_REDIS_CLUSTER_URL", "JWTAUTH_TEST_REDIS_TLS_URL"]
            .filter { (environment[$0] ?? "").isEmpty }
    }

    /// The stores that also hold users.
    static var withUsers: [StoreFactory] { all.filter { !$0.name.hasPrefix("Redis") } }
}

/// A private temporary directory, removed on request.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "jwtauth-test-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        self.path = String(cString: created)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}
