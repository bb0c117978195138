import Benchmark
import BenchmarkFixtures
import JWT
import JWTAuth
import Vapor
import VaporJWTAuth

// Each algorithm two ways, on the same token bytes and key, from a Vapor `Request` carrying
// `Authorization: Bearer <token>`:
// - "VaporJWTAuth": `JWTAuthAuthenticator.authenticate(_:)` (the header read, the Bearer
//   scheme parsed, the token verified with the fixture's `JWTVerifier` and its policy);
// - "vapor/jwt": `req.jwt.verify(as:)` with the key in `app.jwt.keys`, claim checks in
//   `AccessTokenPayload.verify(using:)`.
// Neither caches verified tokens: each iteration checks the signature.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )
    registerRequestVerify("HS256") { Fixtures.hs256 }
    registerRequestVerify("RS256") { Fixtures.rs256 }
    registerRequestVerify("ES256") { Fixtures.es256 }
    registerRequestVerify("EdDSA") { Fixtures.eddsa }
}

/// Registers "<algorithm> Vapor request: VaporJWTAuth | vapor/jwt".
func registerRequestVerify<Key: Sendable>(_ algorithm: String, _ fixture: @escaping @Sendable () -> Fixture<Key>) {
    let selfCheck: Benchmark.BenchmarkSetupHook = { await fixture().selfCheck() }

    Benchmark(
        "\(algorithm) Vapor request: VaporJWTAuth",
        closure: { benchmark async throws in
            let fixture = fixture()
            let app = try await Application.make(.testing)
            let authenticator = JWTAuthAuthenticator(verifier: PolicyVerifier(verifier: fixture.verifier))
            let request = bearerRequest(app, token: fixture.token)
            let identity = try await authenticator.authenticate(request)
            precondition(identity?.userID == Claims.subject)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await authenticator.authenticate(request))
            }
            benchmark.stopMeasurement()
            try await app.asyncShutdown()
        },
        setup: selfCheck
    )

    Benchmark(
        "\(algorithm) Vapor request: vapor/jwt",
        closure: { benchmark async throws in
            let fixture = fixture()
            let app = try await Application.make(.testing)
            app.jwt.keys = await fixture.jwtKitKeys()
            let request = bearerRequest(app, token: fixture.token)
            let payload = try await request.jwt.verify(as: AccessTokenPayload.self)
            precondition(payload.sub.value == Claims.subject)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await request.jwt.verify(as: AccessTokenPayload.self))
            }
            benchmark.stopMeasurement()
            try await app.asyncShutdown()
        },
        setup: selfCheck
    )
}

/// A request as a route handler gets it, with the token in `Authorization`.
func bearerRequest(_ app: Application, token: String) -> Request {
    Request(
        application: app,
        method: .GET,
        url: URI(path: "/api/me"),
        headers: ["Authorization": "Bearer \(token)"],
        on: app.eventLoopGroup.any()
    )
}

/// The fixture's verifier (signature, the shared claims policy) as the authenticator's
/// verifier, without a session store or revocation cache, as vapor/jwt has none.
struct PolicyVerifier: AccessTokenVerifier {
    let verifier: JWTVerifier

    func verify(accessToken token: Substring) async throws(JWTAuthError) -> AccessToken {
        try AccessToken(verified: self.verifier.verify(token))
    }
}
