import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// The database going away under a running server, in process: logins and refreshes fail
/// closed with 503, access tokens keep verifying from the cache, and service comes back when
/// the database does, without a restart.
@Suite("Store outage")
struct StoreOutageTests {
    @Test("PostgreSQL refusing connections: 503 for login, refresh and health; access tokens still verify; then recovery", .timeLimit(.minutes(2)))
    func postgresOutage() async throws {
        guard let store = SharedStore.all.first(where: { $0.name == "PostgreSQL" }) else { return }
        try await store.with { configure in
            var probe = ServerConfiguration()
            configure(&probe)
            let target = try #require(probe.database)
            let admin = try #require(ProcessInfo.processInfo.environment["JWTAUTH_TEST_POSTGRES_URL"])
            let database = try #require(URLComponents(string: target)?.path.dropFirst()).description
            try await withServer(configure: configure) { api in
                let (_, tokens) = try await api.signUp("alice")
                #expect(try await api.get("/health").status == .ok)

                // The database refuses new connections and drops the server's current ones.
                try await PostgresAdmin.execute(admin, "ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS false")
                try await PostgresAdmin.execute(
                    admin,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()"
                )
                let login = try await api.loginResponse("alice", "correct horse battery")
                expectError(login, .serviceUnavailable, "temporarily_unavailable")
                #expect(login.headers[.retryAfter] != nil)
                expectError(try await api.refresh(tokens.refresh), .serviceUnavailable, "temporarily_unavailable")
                #expect(try await api.get("/health").status == .serviceUnavailable)
                #expect(try await api.me(tokens.access).status == .ok, "verification needs no database")

                // Back again: the pool reconnects on its own (after its short fail-fast pause).
                try await PostgresAdmin.execute(admin, "ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true")
                var refreshed = try await api.refresh(tokens.refresh)
                while refreshed.status == .serviceUnavailable {
                    try await Task.sleep(for: .milliseconds(100))
                    refreshed = try await api.refresh(tokens.refresh)
                }
                #expect(refreshed.status == .ok, "the refresh token refused during the outage still works: \(refreshed.text)")
                #expect(try await api.loginResponse("alice", "correct horse battery").status == .ok)
                #expect(try await api.get("/health").status == .ok)
            }
        }
    }
}
