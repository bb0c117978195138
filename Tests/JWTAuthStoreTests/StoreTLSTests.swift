import Foundation
import JWTAuth
import SQLKit
import Testing

@testable import JWTAuthSQL

/// TLS to the stores, against servers the test script started with a certificate from a CA it
/// made for the run (JWTAUTH_TEST_TLS_CA) — and a second CA that must be refused.
@Suite("TLS to the stores")
struct StoreTLSTests {
    struct Setup {
        /// The TLS server's URL without sslmode (a fresh database is made per test).
        var postgres: String
        /// The same server, sslmode=disable, for creating and dropping the databases.
        var postgresAdmin: String
        var ca: String
        var wrongCA: String

        /// Runs `body` with the URL of a fresh database on the TLS server.
        func withDatabase(_ body: (String) async throws -> Void) async throws {
            let database = "jwtauth_tls_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try await PostgresAdmin.execute(self.postgresAdmin, "CREATE DATABASE \(database)")
            do {
                try await body(PostgresAdmin.url(self.postgres, database: database))
            } catch {
                try? await PostgresAdmin.execute(self.postgresAdmin, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
                throw error
            }
            try? await PostgresAdmin.execute(self.postgresAdmin, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        }
    }

    /// Nil (the tests are left out) without the TLS servers, unless every service is required.
    static func setup() throws -> Setup? {
        let environment = ProcessInfo.processInfo.environment
        guard let postgres = environment["JWTAUTH_TEST_POSTGRES_TLS_URL"], let admin = environment["JWTAUTH_TEST_POSTGRES_URL"],
            let ca = environment["JWTAUTH_TEST_TLS_CA"], let wrongCA = environment["JWTAUTH_TEST_TLS_WRONG_CA"]
        else {
            if environment["JWTAUTH_REQUIRE_SERVICES"] != nil {
                throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "the TLS test servers are required but not set up"])
            }
            return nil
        }
        return Setup(postgres: postgres, postgresAdmin: admin, ca: ca, wrongCA: wrongCA)
    }

    static func url(_ base: String, _ query: String) -> String {
        base + (base.contains("?") ? "&" : "?") + query
    }

    @Test("PostgreSQL with sslmode=verify-full and the right CA: the connection is encrypted and the store works")
    func postgresVerified() async throws {
        guard let setup = try Self.setup() else { return }
        try await setup.withDatabase { url in
            let store = try await SQLStore.postgres(url: Self.url(url, "sslmode=verify-full&sslrootcert=\(setup.ca)"), deadline: .seconds(30))
            let encrypted = try await store.run("ask whether the connection is encrypted") { db in
                try await db.raw("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first(decodingColumn: "ssl", as: Bool.self)
            }
            #expect(encrypted == true)
            try await store.checkHealth()
            try await store.close()
        }
    }

    @Test("PostgreSQL refuses a server whose certificate does not chain to the given CA", arguments: ["verify-full", "verify-ca", "require"])
    func postgresWrongCA(_ mode: String) async throws {
        guard let setup = try Self.setup() else { return }
        try await setup.withDatabase { url in
            let error = await #expect(throws: JWTAuthError.self) {
                try await SQLStore.postgres(
                    url: Self.url(url, "sslmode=\(mode)&sslrootcert=\(setup.wrongCA)"),
                    deadline: .seconds(5),
                    migrationDeadline: .seconds(10)
                )
            }
            #expect(error?.code == .storeUnavailable)
        }
    }

    @Test("PostgreSQL with sslmode=require and no CA encrypts without checking the certificate (as libpq)")
    func postgresRequireUnverified() async throws {
        guard let setup = try Self.setup() else { return }
        try await setup.withDatabase { url in
            let store = try await SQLStore.postgres(url: Self.url(url, "sslmode=require"), deadline: .seconds(30))
            let encrypted = try await store.run("ask whether the connection is encrypted") { db in
                try await db.raw("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first(decodingColumn: "ssl", as: Bool.self)
            }
            #expect(encrypted == true)
            try await store.close()
        }
    }
}
