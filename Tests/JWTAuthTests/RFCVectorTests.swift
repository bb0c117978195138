import Foundation
import Testing

@testable import JWTAuth

/// The published examples of RFC 7515, 7517, 7520, 7638, 7797 and 8037 (Fixtures/).
@Suite("RFC test vectors")
struct RFCVectorTests {
    struct CompactVector: CustomTestStringConvertible, Sendable {
        var name: String
        var algorithm: String
        var jwk: String
        var publicJWK: String?
        var token: String
        var expectedPayload: String
        var expectedValid: Bool
        var testDescription: String { self.name }
    }

    static let compactVectors: [CompactVector] = {
        var vectors: [CompactVector] = []
        for file in ["rfc7515", "rfc7520", "rfc8037", "rfc7797", "rfc7517"] {
            for vector in (try? Fixtures.rfc(file)) ?? [] {
                guard let token = vector["token"] as? String, !token.hasPrefix("{"),
                    let jwk = vector["jwk"]
                else { continue }
                let header = try? JSONSerialization.jsonObject(with: Data(Forge.unb64(token.split(separator: ".")[0]))) as? [String: Any]
                vectors.append(
                    CompactVector(
                        name: vector["name"] as? String ?? "?",
                        algorithm: vector["alg"] as? String ?? header?["alg"] as? String ?? "?",
                        jwk: (try? Fixtures.jsonText(jwk)) ?? "",
                        publicJWK: (vector["jwk_public"]).flatMap { try? Fixtures.jsonText($0) },
                        token: token,
                        expectedPayload: vector["expected_payload"] as? String ?? "",
                        expectedValid: vector["expected_valid"] as? Bool ?? false
                    )
                )
            }
        }
        return vectors
    }()

    static func keys(_ text: String, algorithm: String) throws -> JWTKeySet {
        let algorithms = JWSAlgorithm(name: algorithm).map { [$0] } ?? []
        if text.contains("\"keys\"") { return try JWTKeySet(jwks: text, algorithms: algorithms) }
        return JWTKeySet(try JWTKey(jwk: text, algorithms: algorithms))
    }

    @Test("There are compact vectors to run")
    func vectorsLoaded() {
        #expect(Self.compactVectors.count >= 13)
    }

    @Test("Each compact RFC example verifies as a raw JWS with the exact payload, or is refused", arguments: compactVectors)
    func compactVector(_ vector: CompactVector) throws {
        let detached = vector.name.contains("detached")
        for jwk in [vector.jwk, vector.publicJWK].compactMap({ $0 }) {
            guard vector.algorithm != "none" else {
                // A.5 has no key; give the verifier an HMAC key and check `none` is refused.
                let verifier = JWTVerifier(keys: JWTKeySet(try JWTKey.generate(.hs256)))
                expectRejected(.algorithmRejected) { try verifier.verifyJWS(vector.token) }
                return
            }
            let verifier = JWTVerifier(keys: try Self.keys(jwk, algorithm: vector.algorithm))
            if vector.expectedValid && !detached {
                let verified = try verifier.verifyJWS(vector.token)
                #expect(verified.payload == Array(vector.expectedPayload.utf8))
                #expect(verified.header.algorithm.name == vector.algorithm)
            } else {
                #expect(throws: JWTAuthError.self) { try verifier.verifyJWS(vector.token) }
            }
        }
    }

    @Test("RFC 7797 unencoded payloads (b64: false) are refused as unsupported")
    func unencodedPayload() throws {
        let vector = try #require(Self.compactVectors.first { $0.name == "rfc7797-4.2-b64-false-detached" })
        let verifier = JWTVerifier(keys: try Self.keys(vector.jwk, algorithm: "HS256"))
        expectRejected(.headerUnsupported) { try verifier.verifyJWS(vector.token) }
    }

    @Test("RFC 7520 §4.5 detached content does not verify without its payload")
    func detachedContent() throws {
        let vector = try #require(Self.compactVectors.first { $0.name == "rfc7520-4.5-HS256-detached" })
        let verifier = JWTVerifier(keys: try Self.keys(vector.jwk, algorithm: "HS256"))
        expectRejected(.signatureInvalid) { try verifier.verifyJWS(vector.token) }
    }

    @Test("RFC examples are refused as access tokens: expired or not a claims set")
    func notAccessTokens() throws {
        for vector in Self.compactVectors where vector.expectedValid && vector.algorithm != "none" {
            let verifier = JWTVerifier(keys: try Self.keys(vector.jwk, algorithm: vector.algorithm))
            let error = try #require(throws: JWTAuthError.self, "\(vector.name)") { try verifier.verify(vector.token) }
            #expect([.expired, .malformed, .headerUnsupported, .signatureInvalid].contains(error.code), "\(vector.name): \(error)")
        }
    }

    @Test("RFC 7515 A.1 is valid as a JWT on its own date (22 March 2011)")
    func rfc7515JWTBeforeExpiry() throws {
        let vector = try #require(Self.compactVectors.first { $0.name == "rfc7515-A.1-HS256" })
        let verifier = JWTVerifier(
            keys: try Self.keys(vector.jwk, algorithm: "HS256"),
            policy: JWTValidationPolicy(issuer: "joe"),
            clock: ManualClock(NumericDate(1_300_819_000))
        )
        let token = try verifier.verify(vector.token)
        #expect(token.claims.issuer == "joe")
        #expect(token.claims.expiresAt == NumericDate(1_300_819_380))
        #expect(token.header.type == "JWT")
        #expect(token.claim("http://example.com/is_root") == .bool(true))
        // And expired one second past exp plus the leeway.
        let late = JWTVerifier(keys: verifier.keys, clock: ManualClock(NumericDate(1_300_819_380 + 60)))
        expectRejected(.expired) { try late.verify(vector.token) }
    }

    @Test("Deterministic algorithms reproduce the RFC signatures (HS256, RS256, EdDSA)")
    func deterministicSignatures() throws {
        for name in ["rfc7515-A.1-HS256", "rfc7515-A.2-RS256", "rfc7520-4.1-RS256", "rfc7520-4.4-HS256", "rfc8037-A.4-Ed25519-sign"] {
            let vector = try #require(Self.compactVectors.first { $0.name == name })
            let algorithm = try #require(JWSAlgorithm(name: vector.algorithm))
            let key = try JWTKey(jwk: vector.jwk, algorithms: [algorithm])
            let parts = vector.token.split(separator: ".")
            let input = Array("\(parts[0]).\(parts[1])".utf8)
            let signature = try input.withUnsafeBytes { try key.signature(for: $0) }
            #expect(Forge.b64(signature) == String(parts[2]), "\(name)")
        }
    }

    @Test("RFC 7638 and RFC 8037 A.3 thumbprints")
    func thumbprints() throws {
        for vector in try Fixtures.rfc("rfc7638") {
            let jwk = try Fixtures.jsonText(try #require(vector["jwk"]))
            let expected = try #require(vector["expected_thumbprint_sha256_b64u"] as? String)
            let key = try JWTKey(jwk: jwk, algorithms: [.rs256])
            #expect(key.thumbprint == expected)
        }
    }

    @Test("RFC 7517 key sets: public, private and symmetric")
    func keySets() throws {
        for vector in try Fixtures.rfc("rfc7517") where vector["name"] as? String != "rfc7517-B-x5c" {
            let jwks = try Fixtures.jsonText(try #require(vector["jwk"]))
            let set = try JWTKeySet(jwks: jwks, algorithms: [.hs256])
            switch vector["name"] as? String {
            case "rfc7517-A.1-public-keyset", "rfc7517-A.2-private-keyset":
                // The EC key is "use": "enc" and skipped; the RSA key (alg RS256) remains.
                #expect(set.keys.map(\.algorithm) == [.rs256])
                #expect(set.keys[0].keyID == "2011-04-29")
            case "rfc7517-A.3-symmetric-keyset":
                // The A128KW key is for key wrapping, not JWS; the token verifies with the other.
                #expect(set.keys.count == 1)
                let token = try #require(vector["token"] as? String)
                let payload = try JWTVerifier(keys: set).verifyJWS(token).payload
                #expect(payload == Array((try #require(vector["expected_payload"] as? String)).utf8))
            default:
                Issue.record("unexpected vector")
            }
        }
    }

    @Test("RFC 7517 Appendix B: the x5c member is ignored, the key is used as a plain RSA key")
    func certificateChainIgnored() throws {
        let vector = try #require(try Fixtures.rfc("rfc7517").first { $0["name"] as? String == "rfc7517-B-x5c" })
        let key = try JWTKey(jwk: try Fixtures.jsonText(try #require(vector["jwk"])), algorithms: [.rs256])
        #expect(key.keyID == "1b94c")
        #expect(key.algorithm == .rs256)
        #expect(!key.isPrivate)
    }

    @Test("RFC 8037 A.1: the Ed25519 private key's x matches its d")
    func ed25519PrivateKey() throws {
        let vector = try #require(try Fixtures.rfc("rfc8037").first { $0["name"] as? String == "rfc8037-A.1-private-key" })
        let jwk = try #require(vector["jwk"] as? [String: Any])
        let key = try JWTKey(jwk: try Fixtures.jsonText(jwk))
        #expect(key.algorithm == .eddsa)
        #expect(key.isPrivate)
        var mismatched = jwk
        mismatched["x"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        #expect(throws: JWTAuthError.self) { try JWTKey(jwk: try Fixtures.jsonText(mismatched)) }
    }
}
