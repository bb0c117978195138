import Benchmark
import BenchmarkFixtures
import Crypto
import CryptoExtras
import JWTAuth
import JWTKit

// Each algorithm three ways:
// - "JWTAuth": `JWTSigner.sign(_:type:)` of the shared claims: header and claims JSON,
//   base64url, signature, the compact token as a `String`;
// - "jwt-kit": `JWTKeyCollection.sign(_:kid:header:)` of the same claims as a Codable payload,
//   as an application awaits it;
// - "raw": only the swift-crypto call over the signing input of JWTAuth's token (what a JWT
//   library cannot avoid doing).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    registerSign("HS256", { Fixtures.hs256 }) { fixture in
        let key = fixture.rawKey
        let input = fixture.signingInput
        return { blackHole(HMAC<SHA256>.authenticationCode(for: input, using: key)) }
    }

    // An RSA-2048 signature takes about a millisecond: a thousand of them per sample would
    // leave too few samples, so these run one operation per sample.
    registerSign("RS256", scalingFactor: .one, { Fixtures.rs256 }) { fixture in
        let key = fixture.rawKey
        let input = fixture.signingInput
        return { blackHole(try key.signature(for: input, padding: .insecurePKCS1v1_5)) }
    }

    registerSign("PS256", scalingFactor: .one, { Fixtures.ps256 }) { fixture in
        let key = fixture.rawKey
        let input = fixture.signingInput
        return { blackHole(try key.signature(for: input, padding: .PSS)) }
    }

    registerSign("ES256", { Fixtures.es256 }) { fixture in
        let key = fixture.rawKey
        let input = fixture.signingInput
        return { blackHole(try key.signature(for: input)) }
    }

    registerSign("EdDSA", { Fixtures.eddsa }) { fixture in
        let key = fixture.rawKey
        let input = fixture.signingInput
        return { blackHole(try key.signature(for: input)) }
    }
}

/// Registers "<algorithm> sign: JWTAuth | jwt-kit | raw".
///
/// - Parameters:
///   - fixture: Reads the lazily built fixture; called inside the benchmark, before measuring.
///   - makeRawSign: Does the one-time preparation of the raw baseline and returns the operation
///     to measure.
func registerSign<Key: Sendable>(
    _ algorithm: String,
    scalingFactor: BenchmarkScalingFactor = .kilo,
    _ fixture: @escaping @Sendable () -> Fixture<Key>,
    makeRawSign: @escaping (Fixture<Key>) -> () throws -> Void
) {
    let configuration = Benchmark.Configuration(scalingFactor: scalingFactor)
    let selfCheck: Benchmark.BenchmarkSetupHook = {
        let fixture = fixture()
        await fixture.selfCheck()
        try makeRawSign(fixture)()
    }

    Benchmark(
        "\(algorithm) sign: JWTAuth",
        configuration: configuration,
        closure: { benchmark throws in
            let fixture = fixture()
            let signer = fixture.signer
            let claims = Claims.jwtAuth
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try signer.sign(claims, type: "at+jwt"))
            }
        },
        setup: selfCheck
    )

    Benchmark(
        "\(algorithm) sign: jwt-kit",
        configuration: configuration,
        closure: { benchmark async throws in
            let fixture = fixture()
            let keys = await fixture.jwtKitKeys()
            let kid = JWKIdentifier(string: fixture.keyID)
            let header = fixture.jwtKitHeader
            let payload = Claims.jwtKit
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await keys.sign(payload, kid: kid, header: header))
            }
        },
        setup: selfCheck
    )

    Benchmark(
        "\(algorithm) sign: raw",
        configuration: configuration,
        closure: { benchmark throws in
            let sign = makeRawSign(fixture())
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try sign()
            }
        },
        setup: selfCheck
    )
}
