import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// The failed-login limits of servers that share a store: counted together on PostgreSQL,
/// Redis and Redis Cluster, so guesses spread over the instances reach the limit as fast as
/// on one; per process on SQLite, which one process serves.
@Suite("Login limits across instances")
struct SharedLoginLimitTests {
    @Test("Two instances on one store count a username's failed logins together (on SQLite each process counts its own)", arguments: SharedStore.all)
    func sharedAcrossInstances(store: SharedStore) async throws {
        let shared = store.name != "SQLite"
        try await store.with { configure in
            try await ServerFixture.with(configure) { fixture in
                let username = "alice-" + UUID().uuidString.prefix(8).lowercased()
                try await fixture.run { first in
                    try await first.register(username)
                    try await fixture.run { second in
                        for attempt in 1...10 {
                            let api = attempt.isMultiple(of: 2) ? first : second
                            expectError(
                                try await api.loginResponse(username, "wrong password \(attempt)"),
                                .unauthorized,
                                "invalid_credentials",
                                "failure \(attempt)"
                            )
                        }
                        for (name, api) in [("first", first), ("second", second)] {
                            let response = try await api.loginResponse(username, "correct horse battery")
                            #expect(response.status == (shared ? .tooManyRequests : .ok), "the 11th attempt, on the \(name) instance: \(response.status)")
                        }
                    }
                }
            }
        }
    }
}
