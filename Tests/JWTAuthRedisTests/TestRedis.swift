import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import JWTAuthRESP

/// Where the integration tests find Redis: the project's test script starts the servers and
/// sets these; without them the tests are skipped, saying so.
enum TestRedis {
    static let singleURL = ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let clusterURL = ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_CLUSTER_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// `rediss://…?ca=…` of a TLS-only server that takes clients without a certificate.
    static let tlsURL = ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_TLS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// `rediss://…?ca=…&cert=…&key=…` of a TLS-only server that requires a client certificate.
    static let mutualTLSURL = ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_MTLS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// `rediss+cluster://…?ca=…`: the TLS ports of the same cluster as `clusterURL`.
    static let tlsClusterURL = ProcessInfo.processInfo.environment["JWTAUTH_TEST_REDIS_TLS_CLUSTER_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// A CA that did not sign the servers' certificates.
    static let wrongCA = ProcessInfo.processInfo.environment["JWTAUTH_TEST_TLS_WRONG_CA"].flatMap { $0.isEmpty ? nil : $0 }

    /// The test script sets this when it started every service: then a missing one fails the
    /// tests that need it instead of skipping them.
    static let servicesRequired = ProcessInfo.processInfo.environment["JWTAUTH_REQUIRE_SERVICES"] != nil

    static let needsSingle = Testing.ConditionTrait.enabled(
        if: singleURL != nil || servicesRequired,
        "JWTAUTH_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6390); start a redis-server and set it to run these"
    )
    static let needsCluster = Testing.ConditionTrait.enabled(
        if: clusterURL != nil || servicesRequired,
        "JWTAUTH_TEST_REDIS_CLUSTER_URL is not set (e.g. redis+cluster://127.0.0.1:7001,127.0.0.1:7002); start a 6-node cluster and set it to run these"
    )
    static let needsTLS = Testing.ConditionTrait.enabled(
        if: (tlsURL != nil && mutualTLSURL != nil && wrongCA != nil) || servicesRequired,
        "JWTAUTH_TEST_REDIS_TLS_URL, JWTAUTH_TEST_REDIS_MTLS_URL and JWTAUTH_TEST_TLS_WRONG_CA are not set; scripts/test starts redis-server with TLS on a CA it makes and sets them"
    )
    static let needsServerBinary = Testing.ConditionTrait.enabled(
        if: RedisServerProcess.executable != nil || servicesRequired,
        "redis-server is not installed (apt-get install redis-server); these tests start their own"
    )

    static var logger: Logger {
        var logger = Logger(label: "jwtauth.redis.tests")
        logger.logLevel = .error
        return logger
    }

    struct MissingService: Error, CustomStringConvertible {
        var description: String
    }

    static func singleConfiguration() throws -> RedisConfiguration {
        guard let singleURL else { throw MissingService(description: "services are required but JWTAUTH_TEST_REDIS_URL is not set") }
        return try RedisConfiguration(url: singleURL)
    }

    static func tlsConfiguration() throws -> RedisConfiguration {
        guard let tlsURL else { throw MissingService(description: "services are required but JWTAUTH_TEST_REDIS_TLS_URL is not set") }
        return try RedisConfiguration(url: tlsURL)
    }

    static func mutualTLSConfiguration() throws -> RedisConfiguration {
        guard let mutualTLSURL else { throw MissingService(description: "services are required but JWTAUTH_TEST_REDIS_MTLS_URL is not set") }
        return try RedisConfiguration(url: mutualTLSURL)
    }

    static func wrongCertificateAuthority() throws -> String {
        guard let wrongCA else { throw MissingService(description: "services are required but JWTAUTH_TEST_TLS_WRONG_CA is not set") }
        return wrongCA
    }

    static func clusterConfiguration() throws -> RedisConfiguration {
        guard let clusterURL else { throw MissingService(description: "services are required but JWTAUTH_TEST_REDIS_CLUSTER_URL is not set") }
        return try RedisConfiguration(url: clusterURL)
    }

    /// The cluster in clear text (`false`) or over TLS (`true`).
    static func clusterConfiguration(tls: Bool) throws -> RedisConfiguration {
        guard tls else { return try clusterConfiguration() }
        guard let tlsClusterURL else {
            throw MissingService(description: "services are required but JWTAUTH_TEST_REDIS_TLS_CLUSTER_URL is not set")
        }
        return try RedisConfiguration(url: tlsClusterURL)
    }

    /// The arguments of cluster tests that run in clear text and, where the test script set
    /// up the cluster's TLS ports (or every service is required), over TLS.
    static var clusterTransports: [Bool] {
        tlsClusterURL != nil || servicesRequired ? [false, true] : [false]
    }

    /// Runs `body` with a client and closes it afterwards, also when `body` throws.
    static func withClient<Result>(
        _ configuration: RedisConfiguration,
        _ body: (RedisClient) async throws -> Result
    ) async throws -> Result {
        let client = try RedisClient(configuration: configuration, logger: logger)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    static func uniqueKey(_ name: String) -> String {
        "jwtauth-test:\(name):\(UUID().uuidString)"
    }

    /// Waits for `condition` to hold, checking every 20 ms, for at most `timeout`.
    static func eventually(
        within timeout: Duration = .seconds(10),
        _ what: String,
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        if try await condition() { return }
        throw TestTimeout(what: what)
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Collects what a subscription stream yields, so tests can wait for an event with a deadline
/// (an AsyncStream iterator cannot be shared with a timeout task).
final class SubscriptionRecorder: Sendable {
    let events = TestBox<[RedisSubscriptionEvent]>([])
    private let consumer: Task<Void, Never>

    init(_ stream: AsyncStream<RedisSubscriptionEvent>) {
        let events = events
        consumer = Task {
            for await event in stream {
                events.withLock { $0.append(event) }
            }
        }
    }

    var snapshot: [RedisSubscriptionEvent] { events.withLock { $0 } }

    func count(of event: RedisSubscriptionEvent) -> Int { snapshot.count { $0 == event } }

    func waitFor(_ what: String, within timeout: Duration = .seconds(10), _ condition: @escaping ([RedisSubscriptionEvent]) -> Bool) async throws {
        try await TestRedis.eventually(within: timeout, what) { condition(self.snapshot) }
    }

    /// Stops consuming, which ends the subscription.
    func stop() async {
        consumer.cancel()
        await consumer.value
    }

    /// Waits until the stream has ended by itself (client closed).
    func finished() async {
        await consumer.value
    }
}
