import Foundation
import JWTAuth
import SQLKit
import Synchronization
import Testing

@testable import JWTAuthSQL

/// The PostgreSQL revocation log hands out ids from a sequence when a row is inserted, and a
/// reader pages through it by id. A transaction that took an id first and committed last must
/// still be read by a reader whose cursor already moved on.
@Suite("PostgreSQL revocation log order")
struct PostgresRevocationOrderTests {
    @Test("Two overlapping writers: the one that took its id first and commits last is not skipped")
    func overlappingTransactions() async throws {
        guard let admin = ProcessInfo.processInfo.environment["JWTAUTH_TEST_POSTGRES_URL"], !admin.isEmpty else { return }
        let database = "jwtauth_order_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await PostgresAdmin.execute(admin, "CREATE DATABASE \(database)")
        // A deadline long enough for a loaded machine: the second writer waits on the first.
        let store = try await SQLStore.postgres(url: PostgresAdmin.url(admin, database: database), deadline: .seconds(60))
        do {
            try await Self.overlap(store)
        } catch {
            try? await store.close()
            try? await PostgresAdmin.execute(admin, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            throw error
        }
        try await store.close()
        try await PostgresAdmin.execute(admin, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
    }

    static func overlap(_ store: SQLStore) async throws {
        let start = try await store.revocations(after: nil).cursor
        let early = RevocationEvent(kind: .session, subject: "took-its-id-first", at: NumericDate(1_800_000_000))
        let late = RevocationEvent(kind: .session, subject: "committed-first", at: NumericDate(1_800_000_001))

        let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await store.run("log a revocation and wait", transaction: true) { db in
                try await SQLStore.logRevocation(db, early)
                insertedSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in inserted { break }

        let secondCommitted = Mutex(false)
        let second = Task {
            try await store.run("log a revocation", transaction: true) { db in try await SQLStore.logRevocation(db, late) }
            secondCommitted.withLock { $0 = true }
        }
        // Until the second writer has committed (the order that loses a row) or is waiting
        // behind the first one (the order that keeps ids in commit order).
        while !secondCommitted.withLock({ $0 }) {
            let waiting = try await store.run("count waiting writers") { db in
                try await db.raw(
                    """
                    SELECT count(*)::int AS waiting FROM pg_locks
                    WHERE locktype = 'advisory' AND NOT granted
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """
                ).first(decodingColumn: "waiting", as: Int.self)
            }
            if (waiting ?? 0) > 0 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let during = try await store.revocations(after: start)
        releaseSignal.yield()
        releaseSignal.finish()
        try await first.value
        try await second.value
        let after = try await store.revocations(after: during.cursor)

        let read = (during.entries + after.entries).map(\.event.subject)
        #expect(read.sorted() == [late.subject, early.subject].sorted(), "a reader paging by cursor read \(read)")
    }
}
