import BenchmarkFixtures
import Crypto
import Dispatch
import JWTAuth

/// `InstructionCount threads <threads> <iterations> <mode>`: ES256 verifications on several
/// threads of one process at once, wall-clock µs per verification per thread. Answers whether
/// the verify path slows down when threads share it (shared key objects, allocator, caches).
///
/// Modes: `jwtauth` (one shared `JWTVerifier`), `jwtauth-own` (a verifier per thread), `raw`
/// (one shared swift-crypto public key), `raw-own` (a key per thread).
enum ThreadScaling {
    static func run(threads: Int, iterations: Int, mode: String) throws {
        let fixture = Fixtures.es256
        let publicKey = fixture.rawKey.publicKey
        let work: @Sendable () throws -> Void
        switch mode {
        case "jwtauth":
            work = { for _ in 0..<iterations { _ = try fixture.verifier.verify(fixture.token) } }
        case "jwtauth-own":
            work = {
                let keys = try JWTKeySet(jwks: fixture.verifier.keys.publicJWKS())
                let verifier = JWTVerifier(keys: keys, policy: fixture.verifier.policy)
                for _ in 0..<iterations { _ = try verifier.verify(fixture.token) }
            }
        case "raw", "raw-own":
            let shared = mode == "raw"
            work = {
                let key = shared ? publicKey : try P256.Signing.PublicKey(rawRepresentation: publicKey.rawRepresentation)
                for _ in 0..<iterations {
                    let signature = try P256.Signing.ECDSASignature(rawRepresentation: fixture.signature)
                    precondition(key.isValidSignature(signature, for: fixture.signingInput))
                }
            }
        default:
            print("unknown mode \(mode): jwtauth, jwtauth-own, raw or raw-own")
            return
        }
        try work()  // warm-up
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do { try work() } catch { fatalError("verification failed: \(error)") }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        print("ES256 verify, \(mode), \(threads) thread(s): \(Int(elapsed / Double(iterations) / 1000)) µs per verification per thread")
    }
}
