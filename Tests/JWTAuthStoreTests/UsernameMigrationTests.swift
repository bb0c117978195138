import Foundation
import JWTAuth
import Logging
import SQLKit
import Testing

@testable import JWTAuthSQL

/// The migration to the PRECIS username profile recomputes the keys of existing accounts, and
/// reports names that now clash instead of merging them.
@Suite("Username migration")
struct UsernameMigrationTests {
    @Test("Existing keys are recomputed; of two names that now compare equal the older keeps it, the newer is reported, nothing is merged")
    func rekey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/migrate.sqlite"
        let now = NumericDate(1_800_000_000)
        let store = try await SQLStore.sqlite(path: path)
        do {
            // As the previous version stored them: lower-cased only.
            let rows: [(String, String, Double)] = [
                ("u-alice", "alice", 1), ("u-fullwidth", "ａｌｉｃｅ", 2), ("u-jose", "jose\u{301}", 3), ("u-bob", "Bob", 4),
            ]
            // Created under placeholder names (today's comparison would refuse the clash), then
            // given the names and keys the previous version stored.
            for (id, _, offset) in rows {
                try await store.createUser(UserRecord(id: id, username: "placeholder-" + id, passwordHash: "h", createdAt: now + .seconds(offset)))
            }
            try await store.run("put the old names and keys back") { db in
                for (id, username, _) in rows {
                    try await db.raw(
                        "UPDATE jwtauth_users SET username = \(bind: username), username_key = \(bind: username.lowercased()) WHERE id = \(bind: id)"
                    ).run()
                }
            }
            // What the migration runs (later migrations exist, so it cannot simply run again).
            try await store.run("re-key the usernames", transaction: true) { db in
                try await SQLStore.rekeyUsernames(db, logger: Logger(label: "test"))
            }
            try await Self.check(store)
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }

    @Test("The migration that re-keys usernames is part of the schema")
    func migrationIsListed() {
        #expect(SQLStoreDialect.sqlite.migrations.contains { $0.version == SQLSchema.usernameProfileVersion })
        #expect(SQLStoreDialect.postgres.migrations.contains { $0.version == SQLSchema.usernameProfileVersion })
    }

    static func check(_ migrated: SQLStore) async throws {
        #expect(try await migrated.user(username: "ALICE")?.id == "u-alice", "the older account keeps the name")
        #expect(try await migrated.user(username: "jos\u{E9}")?.id == "u-jose", "the composed spelling finds the decomposed account")
        #expect(try await migrated.user(username: "bob")?.id == "u-bob")
        // The newer clashing account is still there, with everything it had, under its id.
        let clashing = try #require(try await migrated.user(id: "u-fullwidth"))
        #expect(clashing.username == "ａｌｉｃｅ")
        #expect(try await migrated.users().count == 4)
        let key = try await migrated.run("read the key") { db in
            try await db.raw("SELECT username_key FROM jwtauth_users WHERE id = 'u-fullwidth'").first(decodingColumn: "username_key", as: String.self)
        }
        #expect(key == SQLStore.clashKeyPrefix + "u-fullwidth")
    }
}
