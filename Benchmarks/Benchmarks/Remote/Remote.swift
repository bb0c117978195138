import Benchmark
import BenchmarkFixtures
import Hummingbird
import JWTAuth
import JWTAuthRemote
import Synchronization

// Verifying an access token with the keys of a `RemoteKeySet` against verifying it with a
// local key set, through the same protocol (`AccessTokenVerifier.verify(accessToken:)`), on the
// same token bytes, with the verified-token cache off so that every call does the whole
// verification:
// - "local key set": a `SessionManager` holding the key (what `jwtauth serve` does), its public
//   half read from the same JWKS document;
// - "RemoteKeySet": a `RemoteAccessTokenVerifier` whose key set fetched the JWKS over HTTP from
//   a server in this process (no revocation feed: that is a lookup in the same revocation cache
//   the session manager consults).
// The target is a remote verification within 5 % of the local one.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        scalingFactor: .kilo,
        // Longer than the other suites: the difference sought is small against the noise.
        maxDuration: .seconds(8),
        maxIterations: 1_000_000
    )
    register("RS256", Fixtures.rs256.jwtAuthKey, Fixtures.rs256.token)
    register("ES256", Fixtures.es256.jwtAuthKey, Fixtures.es256.token)
    register("EdDSA", Fixtures.eddsa.jwtAuthKey, Fixtures.eddsa.token)
}

func register(_ algorithm: String, _ key: @autoclosure @escaping @Sendable () -> JWTKey, _ token: @autoclosure @escaping @Sendable () -> String) {
    Benchmark("\(algorithm) access token: local key set") { benchmark async throws in
        let store = MemoryStore()
        let sessions = try SessionManager(
            configuration: SessionConfiguration(issuer: Claims.issuer, audience: Claims.audience, accessTokenCacheCapacity: 0),
            signingKey: key(),
            // The public key read from the same JWKS document the remote key set fetches, so
            // both verify with key objects made the same way.
            verificationKeys: try JWTKeySet(jwks: RemoteFixture.jwks(publishing: key())),
            sessions: store,
            users: store
        )
        let verifier: any AccessTokenVerifier = sessions
        let token = Substring(token())
        let checked = try await verifier.verify(accessToken: token)
        precondition(checked.userID == Claims.subject)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await verifier.verify(accessToken: token))
        }
    }

    Benchmark("\(algorithm) access token: RemoteKeySet") { benchmark async throws in
        let remote = try await RemoteFixture.start(publishing: key())
        let verifier: any AccessTokenVerifier = try RemoteAccessTokenVerifier(
            keySet: remote.keys,
            revocations: nil,
            issuer: Claims.issuer,
            audiences: [Claims.audience],
            cacheCapacity: 0
        )
        let token = Substring(token())
        let checked = try await verifier.verify(accessToken: token)
        precondition(checked.userID == Claims.subject)
        // The key set keeps what it fetched; the server and the refresh loop stop, so nothing
        // else runs in this process while the verification is measured.
        await remote.stop()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await verifier.verify(accessToken: token))
        }
    }
}

/// A JWKS served over HTTP on loopback and a `RemoteKeySet` that has fetched it.
struct RemoteFixture {
    let keys: RemoteKeySet
    let tasks: [Task<Void, any Error>]

    /// The JWKS document publishing the public half of `key`.
    static func jwks(publishing key: JWTKey) -> String {
        guard let publicKey = key.publicKey else { fatalError("an asymmetric key") }
        return JWTKeySet(publicKey).publicJWKS()
    }

    static func start(publishing key: JWTKey) async throws -> RemoteFixture {
        let jwks = Self.jwks(publishing: key)
        let router = Router()
        router.get("jwks") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: jwks))
            )
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }
        )
        let server = Task { try await app.run() }
        while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let url = "http://127.0.0.1:\(port.withLock { $0 } ?? 0)/jwks"
        let keys = try RemoteKeySet(configuration: RemoteKeySetConfiguration(jwksURL: url, issuer: Claims.issuer))
        let refresher = Task { try await keys.run() }
        while !keys.status.hasUsableKeys { try await Task.sleep(for: .milliseconds(10)) }
        return RemoteFixture(keys: keys, tasks: [server, refresher])
    }

    func stop() async {
        for task in self.tasks {
            task.cancel()
            _ = await task.result
        }
    }
}
