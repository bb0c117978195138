import BenchmarkFixtures
import Crypto
import CryptoExtras
import Dispatch
import JWTAuth
import JWTKit

/// Runs one benchmark case N times, for `valgrind --tool=callgrind`: instruction counts do not
/// depend on what else the machine is doing, so they back the noisy wall-clock ratios up.
///
///     InstructionCount <case> <iterations>     e.g. InstructionCount "HS256 verify: JWTAuth" 2000
///     InstructionCount sign-es256              a fresh token for `es256Token` in the fixtures
///     InstructionCount threads 2 20000 jwtauth ES256 verifications on 2 threads at once (wall clock)
///
/// Instructions per operation = (Ir at 2N − Ir at N) / N, which cancels start-up and setup.
/// This is not a benchmark target (the plugin only runs targets under `Benchmarks/`).
@main
struct InstructionCount {
    static func main() throws {
        let arguments = CommandLine.arguments
        if arguments.count == 5, arguments[1] == "threads", let threads = Int(arguments[2]), let iterations = Int(arguments[3]) {
            try ThreadScaling.run(threads: threads, iterations: iterations, mode: arguments[4])
            return
        }
        if arguments.count == 2, arguments[1] == "sign-es256" {
            // A fresh token for `es256Token` in the fixtures, for when the claims change.
            print(try Fixtures.es256.signer.sign(Claims.jwtAuth, type: "at+jwt"))
            return
        }
        let cases = makeCases()
        guard arguments.count == 3, let iterations = Int(arguments[2]) else {
            print("usage: InstructionCount <case> <iterations>; cases:")
            for name in cases.keys.sorted() { print("  \(name)") }
            return
        }
        guard let run = cases[arguments[1]] else {
            print("unknown case \(arguments[1])")
            return
        }
        try run(iterations)
    }

    static func makeCases() -> [String: (Int) throws -> Void] {
        var cases: [String: (Int) throws -> Void] = [:]
        func add<Key: Sendable>(
            _ algorithm: String,
            _ makeFixture: @escaping @Sendable () -> Fixture<Key>,
            rawVerify: @escaping (Fixture<Key>) -> () -> Bool,
            rawSign: @escaping (Fixture<Key>) -> () throws -> Void
        ) {
            cases["\(algorithm) verify: JWTAuth"] = { count in
                let fixture = makeFixture()
                for _ in 0..<count { _ = try fixture.verifier.verify(fixture.token) }
            }
            cases["\(algorithm) verify: jwt-kit"] = { count in
                let fixture = makeFixture()
                try blockingAsync {
                    let keys = await fixture.jwtKitKeys()
                    for _ in 0..<count { _ = try await keys.verify(fixture.token, as: AccessTokenPayload.self) }
                }
            }
            cases["\(algorithm) verify: raw"] = { count in
                let fixture = makeFixture()
                let verify = rawVerify(fixture)
                for _ in 0..<count { precondition(verify()) }
            }
            cases["\(algorithm) sign: JWTAuth"] = { count in
                let fixture = makeFixture()
                for _ in 0..<count { _ = try fixture.signer.sign(Claims.jwtAuth, type: "at+jwt") }
            }
            cases["\(algorithm) sign: jwt-kit"] = { count in
                let fixture = makeFixture()
                try blockingAsync {
                    let keys = await fixture.jwtKitKeys()
                    let kid = JWKIdentifier(string: fixture.keyID)
                    for _ in 0..<count { _ = try await keys.sign(Claims.jwtKit, kid: kid, header: fixture.jwtKitHeader) }
                }
            }
            cases["\(algorithm) sign: raw"] = { count in
                let fixture = makeFixture()
                let sign = rawSign(fixture)
                for _ in 0..<count { try sign() }
            }
        }
        // Fixtures are built lazily, inside the closures, so only the chosen case pays.
        add(
            "HS256",
            { Fixtures.hs256 },
            rawVerify: { f in { HMAC<SHA256>.isValidAuthenticationCode(f.signature, authenticating: f.signingInput, using: f.rawKey) } },
            rawSign: { f in { _ = HMAC<SHA256>.authenticationCode(for: f.signingInput, using: f.rawKey) } }
        )
        add(
            "RS256",
            { Fixtures.rs256 },
            rawVerify: { f in
                let publicKey = f.rawKey.publicKey
                return {
                    publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: f.signature), for: f.signingInput, padding: .insecurePKCS1v1_5)
                }
            },
            rawSign: { f in { _ = try f.rawKey.signature(for: f.signingInput, padding: .insecurePKCS1v1_5) } }
        )
        add(
            "PS256",
            { Fixtures.ps256 },
            rawVerify: { f in
                let publicKey = f.rawKey.publicKey
                return { publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: f.signature), for: f.signingInput, padding: .PSS) }
            },
            rawSign: { f in { _ = try f.rawKey.signature(for: f.signingInput, padding: .PSS) } }
        )
        add(
            "ES256",
            { Fixtures.es256 },
            rawVerify: { f in
                let publicKey = f.rawKey.publicKey
                return {
                    guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: f.signature) else { return false }
                    return publicKey.isValidSignature(signature, for: f.signingInput)
                }
            },
            rawSign: { f in { _ = try f.rawKey.signature(for: f.signingInput) } }
        )
        add(
            "EdDSA",
            { Fixtures.eddsa },
            rawVerify: { f in
                let publicKey = f.rawKey.publicKey
                return { publicKey.isValidSignature(f.signature, for: f.signingInput) }
            },
            rawSign: { f in { _ = try f.rawKey.signature(for: f.signingInput) } }
        )
        return cases
    }
}

/// Runs async work from synchronous `main`, the main thread parked on a semaphore. An `async`
/// `main` would park it in `dispatch_main`'s `sigsuspend`, which crashes valgrind 3.19.
func blockingAsync(_ body: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable { var error: (any Error)? }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { try await body() } catch { outcome.error = error }
        done.signal()
    }
    done.wait()
    if let error = outcome.error { throw error }
}
