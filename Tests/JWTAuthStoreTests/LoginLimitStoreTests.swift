import Foundation
import JWTAuth
import Testing

/// The login limit conformance suite: every store that counts failed logins (memory for one
/// process, SQLite, PostgreSQL, Redis and Redis Cluster for instances sharing them) follows
/// the same sliding-window rules.
@Suite("Login limit store conformance")
struct LoginLimitStoreTests {
    static let now = NumericDate(1_800_000_000)
    static let limit = LoginRateLimiter.Limit(attempts: 3, window: .seconds(900))

    /// A key of its own for each test, as the limiter makes them.
    static func key() -> String { "u:" + UUID().uuidString.lowercased() }

    static func begin(
        _ store: any LoginLimitStore,
        _ key: String,
        _ id: String,
        at offset: Int,
        limit: LoginRateLimiter.Limit = limit
    ) async throws -> Duration? {
        try await store.beginLoginAttempt(id: id, key: key, limit: limit, now: Self.now + .seconds(offset), inProgressUntil: Self.now + .seconds(offset + 60))
    }

    static func fail(_ store: any LoginLimitStore, _ key: String, at offset: Int, limit: LoginRateLimiter.Limit = limit) async throws {
        let id = UUID().uuidString
        #expect(try await Self.begin(store, key, id, at: offset, limit: limit) == nil, "attempt at +\(offset) s")
        try await store.finishLoginAttempt(id: id, key: key, limit: limit, failed: true, now: Self.now + .seconds(offset))
    }

    @Test("Failures count for the window; at the limit an attempt is refused until the oldest counted failure leaves it", arguments: StoreFactory.all)
    func slidingWindow(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let limits = store.loginLimits
            let key = Self.key()
            for offset in [0, 10, 20] { try await Self.fail(limits, key, at: offset) }
            #expect(try await Self.begin(limits, key, "late", at: 30) == .seconds(870))
            #expect(try await Self.begin(limits, key, "later", at: 899) == .seconds(1))
            // The first failure has left the window: one more attempt may start, not two.
            #expect(try await Self.begin(limits, key, "after", at: 901) == nil)
            #expect(try await Self.begin(limits, key, "again", at: 901) == .seconds(1), "two failures and one attempt in progress")
        }
    }

    @Test("Successful attempts never count; finishing one frees its place", arguments: StoreFactory.all)
    func successes(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let limits = store.loginLimits
            let key = Self.key()
            for index in 0..<10 {
                #expect(try await Self.begin(limits, key, "ok-\(index)", at: index) == nil)
                try await limits.finishLoginAttempt(id: "ok-\(index)", key: key, limit: Self.limit, failed: false, now: Self.now + .seconds(index))
            }
            try await Self.fail(limits, key, at: 20)
            try await Self.fail(limits, key, at: 21)
            #expect(try await Self.begin(limits, key, "third", at: 22) == nil)
        }
    }

    @Test("Attempts in progress count like failures, with a one-second wait, until finished or past their lifetime", arguments: StoreFactory.all)
    func inProgress(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let limits = store.loginLimits
            let key = Self.key()
            try await Self.fail(limits, key, at: 0)
            #expect(try await Self.begin(limits, key, "a", at: 1) == nil)
            #expect(try await Self.begin(limits, key, "b", at: 1) == nil)
            #expect(try await Self.begin(limits, key, "c", at: 2) == .seconds(1), "two in progress and one failure fill the limit")
            try await limits.finishLoginAttempt(id: "a", key: key, limit: Self.limit, failed: false, now: Self.now + .seconds(3))
            #expect(try await Self.begin(limits, key, "c", at: 3) == nil, "a success frees its place")
            #expect(try await Self.begin(limits, key, "e", at: 4) == .seconds(1))
            // "b" is never finished (its process died): it stops counting after its lifetime
            // (60 s from its start), "c" a little later.
            #expect(try await Self.begin(limits, key, "e", at: 62) == nil)
            #expect(try await Self.begin(limits, key, "f", at: 62) == .seconds(1))
        }
    }

    @Test("Only the newest failures decide the wait; keys are counted apart", arguments: StoreFactory.all)
    func newestDecideAndKeysApart(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let limits = store.loginLimits
            let key = Self.key()
            let two = LoginRateLimiter.Limit(attempts: 2, window: .seconds(900))
            // Three failures finish although only two attempts could have been let start
            // together (a third was begun before the others failed).
            for index in 0..<3 {
                #expect(try await Self.begin(limits, key, "x\(index)", at: 0, limit: LoginRateLimiter.Limit(attempts: 3, window: .seconds(900))) == nil)
            }
            for (index, offset) in [0, 100, 200].enumerated() {
                try await limits.finishLoginAttempt(id: "x\(index)", key: key, limit: two, failed: true, now: Self.now + .seconds(offset))
            }
            // The second newest failure (at +100 s) is the one that has to leave the window.
            #expect(try await Self.begin(limits, key, "y", at: 300, limit: two) == .seconds(700))

            let other = Self.key()
            #expect(try await Self.begin(limits, other, "z", at: 300, limit: two) == nil, "another key has its own count")
        }
    }

    @Test("Of many concurrent attempts on one key, exactly as many as the limit allows start", arguments: StoreFactory.all)
    func concurrentAttempts(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let limits = store.loginLimits
            let key = Self.key()
            let five = LoginRateLimiter.Limit(attempts: 5, window: .seconds(900))
            let started = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<24 {
                    group.addTask { try await Self.begin(limits, key, "c\(index)", at: 0, limit: five) == nil }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(started == 5)
        }
    }
}
