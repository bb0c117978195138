import Foundation
import JWTAuth
import JWTAuthSQL
import Testing

/// Signing-key stores: what is written is read back, a failed change writes nothing, and
/// instances sharing a database that change keys at the same moment take turns.
@Suite("Signing key stores")
struct SigningKeyStoreTests {
    static let start = NumericDate(1_800_000_000)
    static let schedule = SigningKeySchedule(
        rotationInterval: .seconds(60),
        publishAhead: .seconds(10),
        retirementPeriod: .seconds(600),
        revocationPeriod: .seconds(86400)
    )

    /// Two handles on one store: the same object for memory, two connections (as two
    /// instances have) for SQL.
    struct Shared: Sendable, CustomTestStringConvertible {
        let name: String
        let make: @Sendable () async throws -> (first: any SigningKeyStore, second: any SigningKeyStore, cleanup: @Sendable () async -> Void)

        var testDescription: String { self.name }

        func with(_ body: (any SigningKeyStore, any SigningKeyStore) async throws -> Void) async throws {
            let (first, second, cleanup) = try await self.make()
            do {
                try await body(first, second)
            } catch {
                await cleanup()
                throw error
            }
            await cleanup()
        }

        static let memory = Shared(name: "memory") {
            let store = MemorySigningKeyStore()
            return (store, store, {})
        }

        static let sqlite = Shared(name: "SQLite") {
            let directory = try TemporaryDirectory()
            let path = directory.path + "/keys.sqlite"
            let first = try await SQLStore.sqlite(path: path)
            let second = try await SQLStore.sqlite(path: path)
            return (
                first, second,
                {
                    try? await first.close()
                    try? await second.close()
                    directory.remove()
                }
            )
        }

        /// Two connections to a fresh database on the PostgreSQL server the test script started
        /// (left out without one, failing when the script requires every service).
        static let postgres: Shared? = {
            let environment = ProcessInfo.processInfo.environment
            guard let url = environment["JWTAUTH_TEST_POSTGRES_URL"], !url.isEmpty else {
                guard environment["JWTAUTH_REQUIRE_SERVICES"] != nil else { return nil }
                return Shared(name: "PostgreSQL") {
                    throw CocoaError(
                        .featureUnsupported,
                        userInfo: [NSLocalizedDescriptionKey: "PostgreSQL is required but JWTAUTH_TEST_POSTGRES_URL is not set"]
                    )
                }
            }
            return Shared(name: "PostgreSQL") {
                let database = "jwtauth_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
                try await PostgresAdmin.execute(url, "CREATE DATABASE \(database)")
                let first = try await SQLStore.postgres(url: PostgresAdmin.url(url, database: database), deadline: StoreFactory.postgresDeadline)
                let second = try await SQLStore.postgres(url: PostgresAdmin.url(url, database: database), deadline: StoreFactory.postgresDeadline)
                return (
                    first, second,
                    {
                        try? await first.close()
                        try? await second.close()
                        try? await PostgresAdmin.execute(url, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
                    }
                )
            }
        }()

        static var all: [Shared] { [memory, sqlite] + [postgres].compactMap { $0 } }
    }

    static let encryptionKey = KeyEncryptionKey.generate()

    static func newKey(_ state: SigningKeyRecord.State, _ now: NumericDate) throws(JWTAuthError) -> SigningKeyRecord {
        try SigningKeyRecord.generate(.es256, state: state, at: now, sealedWith: Self.encryptionKey)
    }

    @Test("Keys are written, changed, deleted and read back exactly, by the other handle too", arguments: Shared.all)
    func roundTrip(_ shared: Shared) async throws {
        try await shared.with { first, second in
            #expect(try await first.signingKeys().isEmpty)
            let created = try await first.updateSigningKeys { keys in
                let advanced = try Self.schedule.advance(keys, at: Self.start, newKey: Self.newKey)
                return (advanced, advanced)
            }
            #expect(Set(try await second.signingKeys()) == Set(created))

            // A rotation updates two rows and inserts one; a revocation updates; deletion
            // after the revocation period removes.
            let rotated = try await second.updateSigningKeys { keys in
                let rotated = try Self.schedule.rotate(keys, at: Self.start + .seconds(5), newKey: Self.newKey)
                return (rotated, rotated)
            }
            #expect(Set(try await first.signingKeys()) == Set(rotated))
            let retired = try #require(rotated.first { $0.state == .retired })
            #expect(retired.retiredAt == Self.start + .seconds(5))
            let revoked = try await first.updateSigningKeys { keys in
                let revoked = try Self.schedule.revoke(retired.keyID, in: keys, at: Self.start + .seconds(6), newKey: Self.newKey)
                return (revoked, revoked)
            }
            #expect(Set(try await second.signingKeys()) == Set(revoked))
            #expect(try await second.signingKeys().first { $0.keyID == retired.keyID }?.revokedAt == Self.start + .seconds(6))
            let later = Self.start + .seconds(86400 + 6)
            let pruned = try await second.updateSigningKeys { keys in
                let advanced = try Self.schedule.advance(keys, at: later, newKey: Self.newKey)
                return (advanced, advanced)
            }
            #expect(!pruned.contains { $0.keyID == retired.keyID })
            #expect(Set(try await first.signingKeys()) == Set(pruned))
            // Every key still opens: the sealed text survived the database.
            for key in try await first.signingKeys() {
                _ = try key.open(with: Self.encryptionKey)
            }
        }
    }

    @Test("A change that throws writes nothing", arguments: Shared.all)
    func failedChange(_ shared: Shared) async throws {
        try await shared.with { first, _ in
            let created = try await first.updateSigningKeys { keys in
                let advanced = try Self.schedule.advance(keys, at: Self.start, newKey: Self.newKey)
                return (advanced, advanced)
            }
            let error = await #expect(throws: JWTAuthError.self) {
                try await first.updateSigningKeys { keys -> (keys: [SigningKeyRecord], result: Void) in
                    _ = try Self.schedule.rotate(keys, at: Self.start + .seconds(1), newKey: Self.newKey)
                    throw JWTAuthError(.notFound, "no")
                }
            }
            #expect(error?.code == .notFound, "the change's own error comes through")
            #expect(Set(try await first.signingKeys()) == Set(created))
        }
    }

    @Test("Two current keys are refused by the store itself", arguments: Shared.all)
    func onePerState(_ shared: Shared) async throws {
        try await shared.with { first, _ in
            let created = try await first.updateSigningKeys { keys in
                let advanced = try Self.schedule.advance(keys, at: Self.start, newKey: Self.newKey)
                return (advanced, advanced)
            }
            let extra = try Self.newKey(.current, Self.start)
            await #expect(throws: (any Error).self) {
                try await first.updateSigningKeys { keys in (keys + [extra], ()) }
            }
            #expect(Set(try await first.signingKeys()) == Set(created))
        }
    }

    @Test("Instances racing a due rotation rotate exactly once", arguments: Shared.all)
    func racingRotation(_ shared: Shared) async throws {
        try await shared.with { first, second in
            let initial = try await first.updateSigningKeys { keys in
                let advanced = try Self.schedule.advance(keys, at: Self.start, newKey: Self.newKey)
                return (advanced, advanced)
            }
            let due = Self.start + .seconds(60)
            // Each instance sees the rotation due and asks to make it, several times at once.
            let outcomes = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask {
                        try await store.updateSigningKeys { keys in
                            let advanced = try Self.schedule.advance(keys, at: due, newKey: Self.newKey)
                            // How many keys this call created: only the first should.
                            return (advanced, Set(advanced.map(\.keyID)).subtracting(keys.map(\.keyID)).count)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.sorted() == [0, 0, 0, 0, 0, 0, 0, 1], "exactly one call created the new next key")
            let keys = try await second.signingKeys()
            let previous = Dictionary(uniqueKeysWithValues: initial.map { ($0.keyID, $0.state) })
            #expect(keys.count == 3)
            #expect(keys.filter { $0.state == .retired }.map(\.keyID) == initial.filter { $0.state == .current }.map(\.keyID))
            #expect(keys.filter { $0.state == .current }.map { previous[$0.keyID] } == [.next])
            #expect(keys.filter { $0.state == .next }.count == 1)
        }
    }
}
