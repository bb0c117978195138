import Crypto
import CryptoExtras
import Foundation
import Testing

@testable import JWTAuth

@Suite("Keys: generation, JWK, PEM, weak keys")
struct KeyTests {
    @Test("Every algorithm signs and verifies its own tokens", arguments: JWSAlgorithm.allCases)
    func roundTrip(_ algorithm: JWSAlgorithm) throws {
        let key = try JWTKey.generate(algorithm)
        #expect(key.keyID == key.thumbprint)
        let signer = try JWTSigner(key: key)
        let claims = JWTClaims(subject: "alice", expiresAt: SystemClock().now + .seconds(300), issuedAt: NumericDate(SystemClock().now.wholeSeconds))
        let token = try signer.sign(claims, additionalClaims: ["tenant": "acme", "level": 3], type: "at+jwt")
        let verifyingKey = key.publicKey ?? key
        let verified = try JWTVerifier(keys: JWTKeySet(verifyingKey), policy: JWTValidationPolicy(types: ["at+jwt"])).verify(token)
        #expect(verified.claims.subject == "alice")
        #expect(verified.header.algorithm == algorithm)
        #expect(verified.header.keyID == key.keyID)
        #expect(try verified.additionalClaims() == ["tenant": "acme", "level": 3])
        struct Custom: Decodable {
            var tenant: String
            var level: Int
            var sub: String
        }
        #expect(try verified.decode(Custom.self).tenant == "acme")
    }

    @Test("Private and public JWKs round-trip and keep alg, kid and the thumbprint", arguments: JWSAlgorithm.allCases)
    func jwkRoundTrip(_ algorithm: JWSAlgorithm) throws {
        let key = try JWTKey.generate(algorithm, keyID: "k1")
        let privateJWK = try key.jwk(includingPrivateKey: true)
        let reloaded = try JWTKey(jwk: privateJWK)
        #expect(reloaded.algorithm == algorithm)
        #expect(reloaded.keyID == "k1")
        #expect(reloaded.isPrivate)
        #expect(reloaded.thumbprint == key.thumbprint)
        #expect(try reloaded.jwk(includingPrivateKey: true) == privateJWK)
        // A token signed by the reloaded key verifies under the original's public half.
        let token = try JWTSigner(key: reloaded).signJWS(payload: Array("hello".utf8))
        #expect(try JWTVerifier(keys: JWTKeySet(key.publicKey ?? key)).verifyJWS(token).payload == Array("hello".utf8))
        if let publicKey = key.publicKey {
            let publicJWK = try publicKey.jwk()
            #expect(!publicJWK.contains("\"d\""))
            let reloadedPublic = try JWTKey(jwk: publicJWK)
            #expect(!reloadedPublic.isPrivate)
            #expect(throws: JWTAuthError.self) { try JWTSigner(key: reloadedPublic) }
        } else {
            #expect(throws: JWTAuthError.self) { try key.jwk() }
        }
    }

    @Test("PEM keys load: SPKI and PKCS#8 (PKCS#1 is covered by the CLI interop tests)")
    func pem() throws {
        let p256 = P256.Signing.PrivateKey()
        let fromPKCS8 = try JWTKey(pem: p256.pemRepresentation)
        #expect(fromPKCS8.algorithm == .es256 && fromPKCS8.isPrivate)
        let fromSPKI = try JWTKey(pem: p256.publicKey.pemRepresentation, keyID: "pem-1")
        #expect(fromSPKI.algorithm == .es256 && !fromSPKI.isPrivate && fromSPKI.keyID == "pem-1")
        #expect(try JWTKey(pem: P384.Signing.PrivateKey().publicKey.pemRepresentation).algorithm == .es384)
        #expect(try JWTKey(pem: P521.Signing.PrivateKey().pemRepresentation).algorithm == .es512)
        #expect(try JWTKey(pem: Curve25519.Signing.PrivateKey().pemRepresentation).algorithm == .eddsa)

        let rsa = try JWTKey.generate(.rs256)
        let spki = try #require(rsa.publicKeyPEM)
        #expect(try JWTKey(pem: spki, algorithms: [.ps256]).algorithm == .ps256)
        // An RSA PEM key must be told its algorithm, and only one.
        expectRejected(.keyInvalid) { try JWTKey(pem: spki) }
        expectRejected(.keyInvalid) { try JWTKey(pem: spki, algorithms: [.rs256, .ps256]) }
        expectRejected(.keyInvalid) { try JWTKey(pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n") }
        expectRejected(.keyInvalid) { try JWTKey(pem: "not pem") }
    }

    @Test("A PEM whose BEGIN line lost its dashes is refused without echoing the key")
    func pemLabelNeverLeaksKeyMaterial() throws {
        let pem = P256.Signing.PrivateKey().pemRepresentation
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        for mangled in [
            pem.replacingOccurrences(of: "-----BEGIN PRIVATE KEY-----", with: "-----BEGIN PRIVATE KEY"),
            pem.replacingOccurrences(of: "-----BEGIN PRIVATE KEY-----\n", with: "-----BEGIN "),
        ] {
            let error = expectRejected(.keyInvalid) { try JWTKey(pem: mangled) }
            let text = "\(error.map { "\($0)" } ?? "")"
            #expect(!body.contains { text.contains($0.prefix(16)) }, "the error quotes the key: \(text)")
        }
    }

    @Test("HMAC secrets shorter than the hash are weak", arguments: [(JWSAlgorithm.hs256, 32), (.hs384, 48), (.hs512, 64)])
    func shortSecrets(_ algorithm: JWSAlgorithm, _ minimum: Int) throws {
        expectRejected(.weakKey) { try JWTKey(secret: [UInt8](repeating: 7, count: minimum - 1), algorithm: algorithm) }
        expectRejected(.weakKey) { try JWTKey(secret: [UInt8](), algorithm: algorithm) }
        #expect(try JWTKey(secret: [UInt8](repeating: 7, count: minimum), algorithm: algorithm).algorithm == algorithm)
        let jwk = #"{"kty":"oct","k":"\#(Forge.b64([UInt8](repeating: 7, count: minimum - 1)))","alg":"\#(algorithm)"}"#
        expectRejected(.weakKey) { try JWTKey(jwk: jwk) }
    }

    @Test("RSA keys under 2048 bits, with e = 1 or with the ROCA fingerprint are weak")
    func weakRSA() throws {
        let key = try JWTKey.generate(.rs256)
        let members = Dictionary(uniqueKeysWithValues: try key.publicKey!.jwkMembers().map { ($0.name, $0.value) })
        let n = Forge.unb64(members["n"]!)
        // 1024 bits: the top half of a real modulus (odd is irrelevant, size is checked first).
        let small = #"{"kty":"RSA","alg":"RS256","n":"\#(Forge.b64(Array(n.prefix(128))))","e":"AQAB"}"#
        expectRejected(.weakKey) { try JWTKey(jwk: small) }
        let exponentOne = #"{"kty":"RSA","alg":"RS256","n":"\#(members["n"]!)","e":"AQ"}"#
        expectRejected(.weakKey) { try JWTKey(jwk: exponentOne) }
        let evenExponent = #"{"kty":"RSA","alg":"RS256","n":"\#(members["n"]!)","e":"AQAA"}"#
        expectRejected(.keyInvalid) { try JWTKey(jwk: evenExponent) }
        // A random modulus does not carry the fingerprint.
        #expect(!RSAModulusCheck.hasROCAFingerprint(n))
    }

    @Test("The ROCA test recognises a modulus built like the vulnerable library's")
    func rocaFingerprint() {
        // n = p·q with both primes ≡ 65537^a (mod M): residues stay in ⟨65537⟩ for every small
        // prime, which the test detects. Built from small numbers of that form.
        var modulus: [UInt8] = [1]
        // 65537^k mod any p is in the subgroup; a product of such powers is too.
        for _ in 0..<40 { modulus = multiply(modulus, by: 65537) }
        #expect(RSAModulusCheck.hasROCAFingerprint(modulus))
        var other = modulus
        other[other.count - 1] ^= 0x02
        #expect(!RSAModulusCheck.hasROCAFingerprint(other))
    }

    private func multiply(_ number: [UInt8], by factor: UInt32) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: number.count + 4)
        var carry: UInt64 = 0
        for index in stride(from: number.count - 1, through: 0, by: -1) {
            let value = UInt64(number[index]) * UInt64(factor) + carry
            result[index + 4] = UInt8(value & 0xFF)
            carry = value >> 8
        }
        for index in stride(from: 3, through: 0, by: -1) {
            result[index] = UInt8(carry & 0xFF)
            carry >>= 8
        }
        return Array(result.drop(while: { $0 == 0 }))
    }

    @Test("Malformed and inconsistent JWKs are invalid")
    func invalidJWKs() throws {
        let ec = try JWTKey.generate(.es256)
        let members = Dictionary(uniqueKeysWithValues: try ec.jwkMembers(includingPrivateKey: true).map { ($0.name, $0.value) })
        let cases = [
            #"{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)"}"#,  // no y
            #"{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["x"]!)"}"#,  // off the curve
            #"{"kty":"EC","crv":"P-384","x":"\#(members["x"]!)","y":"\#(members["y"]!)"}"#,  // wrong curve
            #"{"kty":"EC","crv":"secp256k1","x":"\#(members["x"]!)","y":"\#(members["y"]!)"}"#,
            #"{"kty":"EC","crv":"P-256","alg":"ES384","x":"\#(members["x"]!)","y":"\#(members["y"]!)"}"#,
            #"{"kty":"EC","crv":"P-256","alg":"ES521","x":"\#(members["x"]!)","y":"\#(members["y"]!)"}"#,
            #"{"kty":"RSA","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["y"]!)"}"#,  // wrong kty
            #"{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)=","y":"\#(members["y"]!)"}"#,  // padding
            #"{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["y"]!)","d":"AAAA"}"#,  // short d
            #"{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["y"]!)","d":"\#(Forge.b64([UInt8](repeating: 1, count: 32)))"}"#,
            #"{"kty":"oct","k":"\#(Forge.b64([UInt8](repeating: 1, count: 32)))","alg":"A256GCM"}"#,
            #"{"kty":"oct","k":"\#(Forge.b64([UInt8](repeating: 1, count: 32)))"}"#,  // no alg, none given
            #"{"kty":"OKP","crv":"X25519","x":"\#(members["x"]!)"}"#,
            #"{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["y"]!)","key_ops":["verify","verify"]}"#,
            #"{"kty":"EC","kty":"EC","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["y"]!)"}"#,  // duplicate member
            "[]", "not json",
        ]
        for jwk in cases {
            expectRejected(.keyInvalid, "\(jwk)") { try JWTKey(jwk: jwk) }
        }
    }

    @Test("use and key_ops decide whether a key may verify")
    func usage() throws {
        let ec = try JWTKey.generate(.es256, keyID: "k")
        let members = Dictionary(uniqueKeysWithValues: try ec.publicKey!.jwkMembers().map { ($0.name, $0.value) })
        func key(_ extra: String) throws -> JWTKey {
            try JWTKey(jwk: #"{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["y"]!)"\#(extra)}"#)
        }
        #expect(try key("").canVerify)
        #expect(try key(#","use":"sig""#).canVerify)
        #expect(try !key(#","use":"enc""#).canVerify)
        #expect(try key(#","key_ops":["verify"]"#).canVerify)
        #expect(try !key(#","key_ops":["encrypt"]"#).canVerify)
        // A set built only from keys that may not verify trusts nothing.
        let token = try JWTSigner(key: ec).signJWS(payload: [1, 2, 3])
        let set = try JWTKeySet(jwks: #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(members["x"]!)","y":"\#(members["y"]!)","kid":"k","use":"enc"}]}"#)
        #expect(set.keys.isEmpty)
        expectRejected(.algorithmRejected) { try JWTVerifier(keys: set).verifyJWS(token) }
        let opsSet = try JWTKeySet([try key(#","kid":"k","key_ops":["sign"]"#)])
        expectRejected(.algorithmRejected) { try JWTVerifier(keys: opsSet).verifyJWS(token) }

        // A private JWK limited to signing: its public half verifies what it signs.
        let privateMembers = try ec.jwk(includingPrivateKey: true).dropLast()  // the closing brace
        let signOnly = try JWTKey(jwk: privateMembers + #","key_ops":["sign"]}"#)
        #expect(signOnly.canSign && !signOnly.canVerify)
        let publicHalf = try #require(signOnly.publicKey)
        #expect(publicHalf.canVerify && !publicHalf.canSign)
        let signed = try JWTSigner(key: signOnly).signJWS(payload: [4, 5, 6])
        #expect(try JWTVerifier(keys: JWTKeySet([publicHalf])).verifyJWS(signed).payload == [4, 5, 6])
    }

    @Test("Key sets refuse duplicate kids and mixed HMAC/asymmetric keys")
    func keySetRules() throws {
        let a = try JWTKey.generate(.es256, keyID: "same")
        let b = try JWTKey.generate(.es256, keyID: "same")
        expectRejected(.keyInvalid) { try JWTKeySet([a, b]) }
        let hmac = try JWTKey.generate(.hs256)
        expectRejected(.keyInvalid) { try JWTKeySet([a, hmac]) }
        // The JWKS form of the same mistakes.
        let jwks = #"{"keys":[\#(try a.publicKey!.jwk()),\#(try b.publicKey!.jwk())]}"#
        expectRejected(.keyInvalid) { try JWTKeySet(jwks: jwks) }
        expectRejected(.keyInvalid) { try JWTKeySet(jwks: #"{"keys":{}}"#) }
        expectRejected(.keyInvalid) { try JWTKeySet(jwks: #"{"keys":[1]}"#) }
    }

    @Test("The public JWKS holds only public members")
    func publicJWKS() throws {
        let set = try JWTKeySet([try JWTKey.generate(.es256), try JWTKey.generate(.rs256), try JWTKey.generate(.eddsa)])
        let jwks = set.publicJWKS()
        #expect(!jwks.contains("\"d\"") && !jwks.contains("\"p\""))
        let reloaded = try JWTKeySet(jwks: jwks)
        #expect(reloaded.keys.map(\.thumbprint) == set.keys.map(\.thumbprint))
        #expect(reloaded.keys.allSatisfy { !$0.isPrivate })
    }

    @Test("RSA private JWKs must carry consistent CRT values")
    func rsaPrivateConsistency() throws {
        let key = try JWTKey.generate(.rs256)
        var members = Dictionary(uniqueKeysWithValues: try key.jwkMembers(includingPrivateKey: true).map { ($0.name, $0.value) })
        #expect(try JWTKey(jwk: try Fixtures.jsonText(members)).isPrivate)
        members["dp"] = members["dq"]
        expectRejected(.keyInvalid) { try JWTKey(jwk: try Fixtures.jsonText(members)) }
        members.removeValue(forKey: "p")
        expectRejected(.keyInvalid) { try JWTKey(jwk: try Fixtures.jsonText(members)) }
    }
}
