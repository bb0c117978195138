import JWTAuth

/// A key and a verifier that check nothing but the signature and the JSON, so that every
/// parse path of a claims set is reached.
enum FuzzSupport {
    static let key: JWTKey = {
        do {
            return try JWTKey(secret: Array("fuzzing secret of thirty-two bytes!!".utf8), algorithm: .hs256, keyID: "fz")
        } catch {
            fatalError("the fuzzing key: \(error)")
        }
    }()

    static func acceptAllVerifier() -> Verifier {
        do {
            let keys = try JWTKeySet([key])
            let policy = JWTValidationPolicy(algorithms: [.hs256], leeway: .zero, requiresExpiration: false, maximumTokenBytes: 1 << 20)
            return Verifier(verifier: JWTVerifier(keys: keys, policy: policy))
        } catch {
            fatalError("the fuzzing verifier: \(error)")
        }
    }

    static func sign(payload: [UInt8]) -> String? {
        try? JWTSigner(key: key).signJWS(payload: payload, type: nil)
    }

    struct Verifier {
        let verifier: JWTVerifier
        func verifyJWT(_ token: String) throws -> VerifiedJWT { try self.verifier.verify(token) }
    }
}
