import Crypto
import CryptoExtras
import Foundation
import JWTAuth
import JWTKit

/// One algorithm's shared material: the same private key seen by JWTAuth, jwt-kit and raw
/// swift-crypto, and one token (signed by JWTAuth) whose exact bytes all three verify.
///
/// Built lazily (see the `static let`s in ``Fixtures``): the benchmark runner starts a process per
/// benchmark, and only the RSA ones should pay for generating an RSA key.
public struct Fixture<RawKey: Sendable>: Sendable {
    /// The key as swift-crypto holds it, for the raw baseline.
    public let rawKey: RawKey
    /// The same key as JWTAuth holds it.
    public let jwtAuthKey: JWTKey
    /// The `kid` both libraries put in the header and look the key up by.
    public let keyID: String
    /// A token signed by JWTAuth: `alg`, `kid`, `typ: at+jwt`, the shared claims.
    public let token: String
    /// `BASE64URL(header) "." BASE64URL(payload)` of ``token``: what the signature covers.
    public let signingInput: [UInt8]
    /// The decoded signature of ``token``.
    public let signature: [UInt8]
    /// JWTAuth's signer for ``jwtAuthKey``.
    public let signer: JWTSigner
    /// JWTAuth's verifier with the shared policy (see ``Claims/jwtAuthPolicy``).
    public let verifier: JWTVerifier

    private let addToJWTKit: @Sendable (JWTKeyCollection, JWKIdentifier) async -> Void

    init(
        rawKey: RawKey,
        jwtAuthKey: JWTKey,
        addToJWTKit: @escaping @Sendable (JWTKeyCollection, JWKIdentifier) async -> Void
    ) {
        guard let keyID = jwtAuthKey.keyID else { fatalError("fixture keys carry a kid") }
        self.rawKey = rawKey
        self.jwtAuthKey = jwtAuthKey
        self.keyID = keyID
        self.addToJWTKit = addToJWTKit
        self.signer = try! JWTSigner(key: jwtAuthKey)
        self.verifier = JWTVerifier(keys: JWTKeySet(jwtAuthKey), policy: Claims.jwtAuthPolicy)
        self.token = try! self.signer.sign(Claims.jwtAuth, type: "at+jwt")
        let lastDot = self.token.utf8.lastIndex(of: UInt8(ascii: "."))!
        self.signingInput = Array(self.token.utf8[..<lastDot])
        self.signature = Base64URLDecoding.decode(self.token.utf8[self.token.utf8.index(after: lastDot)...])
    }

    /// A jwt-kit key collection holding the same key under the same `kid`, built the way an
    /// application would build it once at start-up.
    public func jwtKitKeys() async -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        await self.addToJWTKit(keys, JWKIdentifier(string: self.keyID))
        return keys
    }

    /// The `header` jwt-kit signs with, so its tokens look like JWTAuth's (`alg`, `kid`, `typ`).
    public var jwtKitHeader: JWTHeader {
        var header = JWTHeader()
        header.typ = "at+jwt"
        return header
    }

    /// Cross-checks, run once per benchmark process before measuring: each library accepts the
    /// other's token, and the raw verification accepts JWTAuth's signature. A benchmark of code
    /// that fails would measure the failure path, so this stops the run instead.
    public func selfCheck() async {
        do {
            let keys = await self.jwtKitKeys()
            let fromJWTAuth = try await keys.verify(self.token, as: AccessTokenPayload.self)
            precondition(fromJWTAuth.jti.value == Claims.tokenID)
            let fromJWTKit = try await keys.sign(Claims.jwtKit, kid: JWKIdentifier(string: self.keyID), header: self.jwtKitHeader)
            let verified = try self.verifier.verify(fromJWTKit)
            precondition(verified.claims.tokenID == Claims.tokenID)
            precondition(try self.verifier.verify(self.token).claims == Claims.jwtAuth)
        } catch {
            fatalError("fixture self-check failed: \(String(reflecting: error))")
        }
    }
}

public enum Fixtures {
    /// A 32-byte HMAC secret (the minimum RFC 7518 §3.2 allows for HS256).
    public static let hs256: Fixture<SymmetricKey> = {
        let secret = SymmetricKey(data: Array("jwtauth-benchmark-hs256-secret-0123456789".utf8))
        let key = try! JWTKey(secret, algorithm: .hs256, keyID: "hs256-benchmark")
        return Fixture(rawKey: secret, jwtAuthKey: key) { keys, kid in
            await keys.add(hmac: HMACKey(key: secret), digestAlgorithm: .sha256, kid: kid)
        }
    }()

    /// RSA-2048, PKCS#1 v1.5 padding.
    public static let rs256: Fixture<_RSA.Signing.PrivateKey> = rsa(.rs256)

    /// RSA-2048, PSS padding.
    public static let ps256: Fixture<_RSA.Signing.PrivateKey> = rsa(.ps256)

    public static let es256: Fixture<P256.Signing.PrivateKey> = {
        let privateKey = P256.Signing.PrivateKey()
        return Fixture(rawKey: privateKey, jwtAuthKey: JWTKey(privateKey)) { keys, kid in
            await keys.add(ecdsa: try! ES256PrivateKey(backing: privateKey), kid: kid)
        }
    }()

    public static let eddsa: Fixture<Curve25519.Signing.PrivateKey> = {
        let privateKey = Curve25519.Signing.PrivateKey()
        return Fixture(rawKey: privateKey, jwtAuthKey: JWTKey(privateKey)) { keys, kid in
            await keys.add(eddsa: EdDSA.PrivateKey(backing: privateKey), kid: kid)
        }
    }()

    private static func rsa(_ algorithm: JWSAlgorithm) -> Fixture<_RSA.Signing.PrivateKey> {
        let privateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = try! JWTKey(pem: privateKey.pemRepresentation, algorithms: [algorithm], keyID: "\(algorithm.name.lowercased())-benchmark")
        let isPSS = algorithm == .ps256
        return Fixture(rawKey: privateKey, jwtAuthKey: key) { keys, kid in
            let jwtKitKey = try! Insecure.RSA.PrivateKey(backing: privateKey)
            if isPSS {
                await keys.add(pss: jwtKitKey, digestAlgorithm: .sha256, kid: kid)
            } else {
                await keys.add(rsa: jwtKitKey, digestAlgorithm: .sha256, kid: kid)
            }
        }
    }
}

/// Minimal base64url decoding for the fixtures (not on any measured path).
enum Base64URLDecoding {
    static func decode(_ text: Substring.UTF8View) -> [UInt8] {
        var base64 = String(decoding: text, as: UTF8.self)
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        return Array(Data(base64Encoded: base64)!)
    }
}
