import Foundation
import JWTAuth

/// Built on first use (libFuzzer's main runs no top-level code of ours).
let fixture = SignedFixture.make()

/// Keys (throwaway, for fuzzing only), a verifier for all of them, and what was signed.
struct SignedFixture {
    let verifiers: [JWTVerifier]
    let signingInputs: Set<String>
    let tokens: [String]

    static func make() -> SignedFixture {
        do {
            let asymmetric = try FuzzKeysMaterial.asymmetric.map { try JWTKey(jwk: $0) }
            let hmac = try JWTKey(jwk: FuzzKeysMaterial.hmac)
            let keys = asymmetric + [hmac]
            let policy = JWTValidationPolicy(
                algorithms: Set(keys.map(\.algorithm)),
                issuer: "https://fuzz.test",
                audiences: ["api"],
                leeway: .seconds(60),
                maximumTokenBytes: 16384
            )
            let verifiers = [
                JWTVerifier(keys: try JWTKeySet(asymmetric.map { $0.publicKey ?? $0 }), policy: policy, clock: FixedClock()),
                JWTVerifier(keys: try JWTKeySet([hmac]), policy: policy, clock: FixedClock()),
            ]
            var inputs = Set<String>()
            var tokens: [String] = []
            for key in keys {
                let signer = try JWTSigner(key: key)
                for claims in Self.claimsSets {
                    let token = try signer.signJWS(payload: Array(claims.utf8), type: "at+jwt")
                    tokens.append(token)
                    inputs.insert(token.split(separator: ".").prefix(2).joined(separator: "."))
                }
            }
            let fixture = SignedFixture(verifiers: verifiers, signingInputs: inputs, tokens: tokens)
            if let directory = ProcessInfo.processInfo.environment["JWTAUTH_FUZZ_WRITE_SEEDS"] {
                for (index, token) in tokens.enumerated() {
                    FileManager.default.createFile(atPath: "\(directory)/signed-\(index)", contents: Data(token.utf8))
                }
            }
            return fixture
        } catch {
            fatalError("the JWS fuzzing fixture: \(error)")
        }
    }

    static let claimsSets = [
        #"{"iss":"https://fuzz.test","sub":"alice","aud":"api","exp":4102444800,"iat":1800000000}"#,
        #"{"iss":"https://fuzz.test","sub":"bob","aud":["api","other"],"exp":4102444800,"nbf":1800000000,"jti":"j-1","roles":["admin"]}"#,
        #"{"iss":"https://fuzz.test","sub":"c","aud":"api","exp":4102444800,"x":{"y":[1,2.5,-3e2,true,null,"\u00e9"]}}"#,
    ]
}

/// Now, for the verifier: between the claims' iat and exp.
struct FixedClock: UnixClock {
    var now: NumericDate { NumericDate(1_800_000_100) }
}
