import Foundation
import JWTAuth
import JWTAuthRESP
import Testing

@testable import JWTAuthRedis

/// The Redis store's revocation log is written after the revocation itself (the Lua script has
/// already revoked and published): a log failure must not turn a done revocation into an error.
@Suite("Redis: the revocation log", .enabled(if: ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_URL"] != nil, "JWTAUTH_TEST_REDIS_URL is not set"))
struct RedisRevocationLogTests {
    @Test("A revocation and a detected reuse are reported as such when the log cannot be appended to")
    func revocationSurvivesLogFailure() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_URL"])
        let store = try RedisSessionStore(url: url, keyPrefix: "test-" + UUID().uuidString.lowercased(), revocationRetention: .seconds(361))
        do {
            // A string where the stream should be: every XADD now fails with WRONGTYPE.
            _ = try await store.client.send(["SET", store.logKey, "not a stream", "PX", "60000"])
            let now = StoreConformanceTests.now
            _ = try await store.createSession(StoreConformanceTests.session("s-1"), maximumPerUser: 20)
            _ = try await store.createSession(StoreConformanceTests.session("s-2"), maximumPerUser: 20)

            let revoked = try await store.revokeSession(id: "s-1", userID: "user-1", at: now + .seconds(1), reason: .logout)
            #expect(revoked?.id == "s-1")
            #expect(try await store.session(id: "s-1", userID: "user-1")?.revokedAt != nil)

            let first = try await store.rotate(StoreConformanceTests.rotation("s-2", "jti-0", "jti-1", at: now + .seconds(2)))
            guard case .rotated = first else {
                Issue.record("expected a rotation, got \(first)")
                return
            }
            // The retired token again: the session is revoked, which writes to the log.
            let reuse = try await store.rotate(StoreConformanceTests.rotation("s-2", "jti-0", "jti-2", at: now + .seconds(3)))
            guard case .reuseDetected(let session) = reuse else {
                Issue.record("expected reuse to be detected, got \(reuse)")
                return
            }
            #expect(session.id == "s-2")
            _ = try await store.client.send(["DEL", store.logKey])
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test("The log expires one retention after its last entry, like every other key")
    func logHasTTL() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_URL"])
        let store = try RedisSessionStore(url: url, keyPrefix: "test-" + UUID().uuidString.lowercased(), revocationRetention: .seconds(361))
        _ = try await store.createSession(StoreConformanceTests.session("s-1"), maximumPerUser: 20)
        _ = try await store.revokeSession(id: "s-1", userID: "user-1", at: StoreConformanceTests.now + .seconds(1), reason: .logout)
        let ttl = try await store.client.send(["PTTL", store.logKey]).int ?? -2
        await store.close()
        #expect((300_000...362_000).contains(ttl), "PTTL \(ttl)")
    }
}
