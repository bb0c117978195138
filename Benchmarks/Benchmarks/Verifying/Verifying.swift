import Benchmark
import BenchmarkFixtures
import Crypto
import CryptoExtras
import JWTAuth
import JWTKit

// Each algorithm three ways, over the exact same token bytes:
// - "JWTAuth": `JWTVerifier.verify(_:)`, policy in `Claims.jwtAuthPolicy`;
// - "jwt-kit": `JWTKeyCollection.verify(_:as:)` as an application awaits it, claim checks in
//   `AccessTokenPayload.verify(using:)`;
// - "raw": only the swift-crypto call over the token's signing input with its decoded
//   signature; the public key is derived once, outside the loop.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    registerVerify("HS256", { Fixtures.hs256 }) { fixture in
        let key = fixture.rawKey
        let signature = fixture.signature
        let input = fixture.signingInput
        return { HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key) }
    }

    registerVerify("RS256", { Fixtures.rs256 }) { fixture in
        let publicKey = fixture.rawKey.publicKey
        let signature = fixture.signature
        let input = fixture.signingInput
        return {
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: input,
                padding: .insecurePKCS1v1_5
            )
        }
    }

    registerVerify("PS256", { Fixtures.ps256 }) { fixture in
        let publicKey = fixture.rawKey.publicKey
        let signature = fixture.signature
        let input = fixture.signingInput
        return {
            publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .PSS)
        }
    }

    registerVerify("ES256", { Fixtures.es256 }) { fixture in
        let publicKey = fixture.rawKey.publicKey
        let signature = fixture.signature
        let input = fixture.signingInput
        return {
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return publicKey.isValidSignature(ecdsa, for: input)
        }
    }

    registerVerify("EdDSA", { Fixtures.eddsa }) { fixture in
        let publicKey = fixture.rawKey.publicKey
        let signature = fixture.signature
        let input = fixture.signingInput
        return { publicKey.isValidSignature(signature, for: input) }
    }
}

/// Registers "<algorithm> verify: JWTAuth | jwt-kit | raw".
///
/// - Parameters:
///   - fixture: Reads the lazily built fixture; called inside the benchmark, before measuring.
///   - makeRawVerify: Does the one-time preparation of the raw baseline (deriving the public
///     key) and returns the operation to measure, which must answer true.
func registerVerify<Key: Sendable>(
    _ algorithm: String,
    _ fixture: @escaping @Sendable () -> Fixture<Key>,
    makeRawVerify: @escaping (Fixture<Key>) -> () -> Bool
) {
    let selfCheck: Benchmark.BenchmarkSetupHook = {
        let fixture = fixture()
        await fixture.selfCheck()
        precondition(makeRawVerify(fixture)(), "the raw \(algorithm) verification rejected the token")
    }

    Benchmark(
        "\(algorithm) verify: JWTAuth",
        closure: { benchmark throws in
            let fixture = fixture()
            let verifier = fixture.verifier
            let token = fixture.token
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try verifier.verify(token))
            }
        },
        setup: selfCheck
    )

    Benchmark(
        "\(algorithm) verify: jwt-kit",
        closure: { benchmark async throws in
            let fixture = fixture()
            let keys = await fixture.jwtKitKeys()
            let token = fixture.token
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await keys.verify(token, as: AccessTokenPayload.self))
            }
        },
        setup: selfCheck
    )

    Benchmark(
        "\(algorithm) verify: raw",
        closure: { benchmark in
            let verify = makeRawVerify(fixture())
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(verify())
            }
        },
        setup: selfCheck
    )
}
