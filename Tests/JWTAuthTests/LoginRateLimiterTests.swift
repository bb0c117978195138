import Synchronization
import Testing

@testable import JWTAuth

/// The limiter in front of a ``LoginLimitStore``: what it asks the store, under which keys.
@Suite("Login rate limiter")
struct LoginRateLimiterTests {
    /// A memory store that remembers the keys it was asked about and the attempts in progress.
    final class RecordingStore: LoginLimitStore {
        private let memory = MemoryLoginLimitStore()
        private let state = Mutex((keys: Set<String>(), inProgress: [String: Int]()))

        var keys: Set<String> { self.state.withLock { $0.keys } }
        var attemptsInProgress: Int { self.state.withLock { $0.inProgress.values.reduce(0, +) } }

        func beginLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, now: NumericDate, inProgressUntil: NumericDate) async throws -> Duration?
        {
            let wait = try await self.memory.beginLoginAttempt(id: id, key: key, limit: limit, now: now, inProgressUntil: inProgressUntil)
            self.state.withLock { state in
                state.keys.insert(key)
                if wait == nil { state.inProgress[key, default: 0] += 1 }
            }
            return wait
        }

        func finishLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, failed: Bool, now: NumericDate) async throws {
            try await self.memory.finishLoginAttempt(id: id, key: key, limit: limit, failed: failed, now: now)
            self.state.withLock { $0.inProgress[key, default: 0] -= 1 }
        }
    }

    static let now = NumericDate(1_800_000_000)

    @Test("The store is given hashes, never the username or the address; a username in another letter case is the same key")
    func hashedKeys() async throws {
        let store = RecordingStore()
        let limiter = LoginRateLimiter(store: store)
        let typed = "correct-horse-battery-staple"
        let attempt = try await limiter.begin(username: typed, address: "203.0.113.9", now: Self.now)
        try await limiter.finish(attempt, failed: true, now: Self.now)
        let other = try await limiter.begin(username: typed.uppercased(), address: "203.0.113.9", now: Self.now)
        try await limiter.finish(other, failed: false, now: Self.now)
        #expect(store.keys.count == 2)
        for key in store.keys {
            #expect(!key.contains(typed) && !key.contains("203.0.113") && !key.contains("horse"), "\(key)")
        }
    }

    @Test("Refused on one key, an attempt begun on the other is ended at once; Retry-After is the longer wait")
    func refusalReleases() async throws {
        let store = RecordingStore()
        let limiter = LoginRateLimiter(
            perUsername: .init(attempts: 1, window: .seconds(600)),
            perAddress: .init(attempts: 1, window: .seconds(900)),
            store: store
        )
        let first = try await limiter.begin(username: "mallory", address: "198.51.100.1", now: Self.now)
        try await limiter.finish(first, failed: true, now: Self.now)

        // The address is limited, the new username not: nothing stays in progress.
        let refused = await #expect(throws: JWTAuthError.self) {
            try await limiter.begin(username: "someone-else", address: "198.51.100.1", now: Self.now + .seconds(100))
        }
        #expect(refused?.code == .rateLimited)
        #expect(refused?.retryAfter == .seconds(800))
        #expect(store.attemptsInProgress == 0)

        // Both limited: the longer of the two waits.
        let both = await #expect(throws: JWTAuthError.self) {
            try await limiter.begin(username: "mallory", address: "198.51.100.1", now: Self.now + .seconds(100))
        }
        #expect(both?.retryAfter == .seconds(800))
        #expect(store.attemptsInProgress == 0)
    }
}
