import Foundation
import JWTAuth
import JWTAuthRedis
import JWTAuthSQL
import Testing

/// The push channels that carry revocations between instances: PostgreSQL LISTEN/NOTIFY and
/// Redis pub/sub. Two handles on one store stand for two instances.
@Suite("Revocation feeds")
struct RevocationFeedTests {
    /// Two handles on one shared store, and how to close them.
    struct Pair: Sendable {
        var first: any SessionStore
        var second: any SessionStore
        var close: @Sendable () async -> Void
    }

    struct Backend: Sendable, CustomTestStringConvertible {
        var name: String
        var make: @Sendable () async throws -> Pair
        var testDescription: String { self.name }
    }

    static var backends: [Backend] {
        let environment = ProcessInfo.processInfo.environment
        var backends: [Backend] = []
        let required = environment["JWTAUTH_REQUIRE_SERVICES"] != nil
        func missing(_ name: String, _ variable: String) -> Backend {
            Backend(name: name) { throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "\(variable) is not set"]) }
        }
        if let url = environment["JWTAUTH_TEST_POSTGRES_URL"] {
            backends.append(
                Backend(name: "PostgreSQL") {
                    let database = "jwtauth_feed_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
                    try await PostgresAdmin.execute(url, "CREATE DATABASE \(database)")
                    let target = PostgresAdmin.url(url, database: database)
                    let first = try await SQLStore.postgres(url: target)
                    let second = try await SQLStore.postgres(url: target)
                    return Pair(first: first, second: second) {
                        try? await first.close()
                        try? await second.close()
                        try? await PostgresAdmin.execute(url, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
                    }
                }
            )
        } else if required {
            backends.append(missing("PostgreSQL", "JWTAUTH_TEST_POSTGRES_URL"))
        }
        for (name, variable) in [
            ("Redis", "JWTAUTH_TEST_REDIS_URL"), ("Redis Cluster", "JWTAUTH_TEST_REDIS_CLUSTER_URL"),
            ("Redis over TLS", "JWTAUTH_TEST_REDIS_TLS_URL"),
        ] {
            if let url = environment[variable] {
                backends.append(
                    Backend(name: name) {
                        let prefix = "feed-" + UUID().uuidString.lowercased()
                        let first = try RedisSessionStore(url: url, keyPrefix: prefix, revocationRetention: .seconds(361))
                        let second = try RedisSessionStore(url: url, keyPrefix: prefix, revocationRetention: .seconds(361))
                        return Pair(first: first, second: second) {
                            await first.close()
                            await second.close()
                        }
                    }
                )
            } else if required {
                backends.append(missing(name, variable))
            }
        }
        return backends
    }

    @Test(
        "Revocations made through one handle arrive on the other's feed, after it says it is connected",
        .timeLimit(.minutes(1)),
        arguments: backends
    )
    func feedCarriesRevocations(_ backend: Backend) async throws {
        let pair = try await backend.make()
        do {
            let feed = try #require(pair.second.revocationFeed())
            var messages = feed.makeAsyncIterator()
            // Nothing is promised before the feed reports it is connected.
            #expect(await messages.next() == .connected)

            let now = StoreConformanceTests.now
            _ = try await pair.first.createSession(StoreConformanceTests.session("s-1"), maximumPerUser: 20)
            _ = try await pair.first.createSession(StoreConformanceTests.session("s-2"), maximumPerUser: 20)
            _ = try await pair.first.revokeSession(id: "s-1", userID: "user-1", at: now + .seconds(1), reason: .logout)
            #expect(await messages.next() == .revoked(RevocationEvent(kind: .session, subject: "s-1", at: now + .seconds(1))))

            _ = try await pair.first.revokeUser(id: "user-1", at: now + .seconds(2), reason: .adminRevoked)
            var received: [RevocationEvent] = []
            while received.count < 2, case .revoked(let event)? = await messages.next() {
                received.append(event)
            }
            #expect(
                Set(received) == [
                    RevocationEvent(kind: .session, subject: "s-2", at: now + .seconds(2)),
                    RevocationEvent(kind: .user, subject: "user-1", at: now + .seconds(2)),
                ]
            )
            // The log the other handle reads on reconnect holds the same revocations.
            let logged = try await pair.second.revocations(after: nil).events
            #expect(Set(logged.map(\.subject)) == ["s-1", "s-2", "user-1"])
        } catch {
            await pair.close()
            throw error
        }
        await pair.close()
    }
}
