import Crypto
import CryptoExtras
import Foundation
import JWTAuth
import JWTKit

/// One algorithm's shared material: the same private key seen by JWTAuth, jwt-kit and raw
/// swift-crypto, and one token (signed by JWTAuth) whose exact bytes all three verify.
///
/// Built lazily (see the `static let`s in ``Fixtures``): the benchmark runner starts a process per
/// benchmark, and each builds only the fixture it measures.
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

    /// - Parameter token: A token signed earlier, for algorithms whose signatures are
    ///   randomized (ECDSA): verifying a fixed token costs the same in every run.
    init(
        rawKey: RawKey,
        jwtAuthKey: JWTKey,
        token: String? = nil,
        addToJWTKit: @escaping @Sendable (JWTKeyCollection, JWKIdentifier) async -> Void
    ) {
        guard let keyID = jwtAuthKey.keyID else { fatalError("fixture keys carry a kid") }
        self.rawKey = rawKey
        self.jwtAuthKey = jwtAuthKey
        self.keyID = keyID
        self.addToJWTKit = addToJWTKit
        self.signer = try! JWTSigner(key: jwtAuthKey)
        self.verifier = JWTVerifier(keys: JWTKeySet(jwtAuthKey), policy: Claims.jwtAuthPolicy)
        self.token = token ?? (try! self.signer.sign(Claims.jwtAuth, type: "at+jwt"))
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
            let own = try self.verifier.verify(self.token)
            precondition(own.claims == Claims.jwtAuth)
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

    /// RSA-2048 (``rsaPrivateKeyPEM``), PKCS#1 v1.5 padding.
    public static let rs256: Fixture<_RSA.Signing.PrivateKey> = rsa(.rs256)

    /// The same RSA-2048 key, PSS padding.
    public static let ps256: Fixture<_RSA.Signing.PrivateKey> = rsa(.ps256)

    /// A fixed P-256 key, and a token it signed once: ECDSA signatures are randomized, and the
    /// cost of verifying one depends a little on its value, so a fresh token per run would make
    /// instruction counts wander. If the claims change, ``Fixture/selfCheck()`` fails: paste the
    /// output of `.build/release/InstructionCount sign-es256` into ``es256Token``.
    public static let es256: Fixture<P256.Signing.PrivateKey> = {
        let privateKey = try! P256.Signing.PrivateKey(rawRepresentation: hex("2c1291edf375eb09542f6397120434505c8ab1af9af3557cf2d7fe93aaa04183"))
        return Fixture(rawKey: privateKey, jwtAuthKey: JWTKey(privateKey), token: es256Token) { keys, kid in
            await keys.add(ecdsa: try! ES256PrivateKey(backing: privateKey), kid: kid)
        }
    }()

    /// A fixed Ed25519 key (Ed25519 signatures are deterministic, so the token is too).
    public static let eddsa: Fixture<Curve25519.Signing.PrivateKey> = {
        let privateKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: hex("28368112983133cc6834bfde261906bd0df67241d27ecba7410d2b55d48a171c"))
        return Fixture(rawKey: privateKey, jwtAuthKey: JWTKey(privateKey)) { keys, kid in
            await keys.add(eddsa: EdDSA.PrivateKey(backing: privateKey), kid: kid)
        }
    }()

    private static func rsa(_ algorithm: JWSAlgorithm) -> Fixture<_RSA.Signing.PrivateKey> {
        let privateKey = try! _RSA.Signing.PrivateKey(pemRepresentation: rsaPrivateKeyPEM)
        let key = try! JWTKey(pem: rsaPrivateKeyPEM, algorithms: [algorithm], keyID: "\(algorithm.name.lowercased())-benchmark")
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

/// A fixed RSA-2048 key, made for these benchmarks only (`openssl genpkey -algorithm RSA
/// -pkeyopt rsa_keygen_bits:2048`). Fixed rather than generated so that runs are repeatable:
/// generating one costs a random amount of work, which would blur instruction counts.
let rsaPrivateKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDTOUj56Y2ESGUP
    +PfP88Mu1KohV4CGyrZ7W5vWrEmCJKmTV1jFuQg6FIqWVCvb885oO9UKl0dxIVYf
    NxtNGelYqYQ2swP5GbyHXMMEHttPtQ8JGztPa6Y3Yk8t9z6Wkw2J45ShrylHfjHU
    B9aBGlKJYVLnm+0kTtWx9fNi/DYCdpcs5foeLJ+SESR+jivhkWEtN/KiUx/c6KYQ
    uHp12OaY6YbiUFn6hPutB3YTEcbh0QHWX/ovOAA0+84FJTbwfVBZrhRySfh2El0t
    DUAJwX7pLgD6i52DdjVja5upb37SkugKPEvUFanj5I+KKrrFUviaWjeqdCQeQgep
    GG9zm6WTAgMBAAECggEACDHncZVszCkS4rUXcutTiJ7voC4zlQc1tUDZ9vuQOTW6
    7osrrTV/QDbzzt6ielInO/Fg/pwymre0Y677ptjOg4Ya1GnK9FXZ9AEr/8jtXAD7
    qFrKHkwK6DMu50BPHqsYkgpRBe+J0SBFm/hXNi297gk8nN0hLOYcxwlye/CqbRtN
    V9vDIg2rFidIA/4xN2A+90QMahS4MMKhjDbkeKDPZ+inDdIHAOdPu/xuwMfdInri
    Ii3ecb73YZT108Kyb9NpUSsdCalFMQrQRHk9+djSJ+cgn6zuKS6L5s75GbwGLrMy
    kHz2nWfBHiJCKZ+Ll+HgzNpWzx8fSuhV+7Q8LM2OgQKBgQD6Pu/uYERH8nVjfMSO
    PXxgsFLvmHNEvK0A/NWseFTRxCWPn6exbreB9eunU8i+Z/OfqLFYyfzPN2QOSQGp
    6hc9mjIJWC7L7dDQuzjHxt1a9JJ0wAKRBgXZP9wI9pMcfwU8CJtqXT+ReLkSZ6LD
    SERPm0a97L3ZfI2sDBoIi0M4IwKBgQDYFKVVZGvrTtMcoh54KeiZtRtphP6jIdQL
    wUhbZUpakJCFcUQphryhhY5xdf54VRShKlNqzC/vjzYUgOKf97boACVehc33RhL4
    C2KneNfskycbUTM3ozlYgx7RlknMxlNq7jX63bIiBzjiGNP1qq+MQxbdmr+2wsP5
    emeGnlZ70QKBgQCN05O5/zdTq3eabgEcOH7Acc5fWoChyWknsSQMvpob1NYQ40Rw
    TDaW4mCvkc2pFFM//qSclMXCTztW2UunGDQZxsVrBF5pV5xMYH+awft8bDaBEr2h
    oc84xHeZYN4ZfWfjEWG706OOd+Q0KSZXFSMaFv/t7jnfBDdq9eTfSMZNDwKBgFBO
    lAgBk45XtGRu6E4WnUkLI037TLwKZYmc4yx8n766/ctqhj+8wLxzK7aFePb1//3K
    Akit7J7nJd1G7XMwmHzvGPRhXGQrWf9wE9FUO0PEiQNBEXz7H+QCj2Crr2/4waX7
    NHqxDHRTJNP7EEO8lRPXF1dzHQ9qoXVGBdXlYRURAoGAU9CwBnP5gVENgAMj5DS6
    IbaoCwDvsNrl+Dwl2QzdXNwjXd74QGiF2ZY/7J3MLLjk+HRl7qXgRzrORIOMyPAk
    gvVI+O3SLIAWUQMX2XmXVNuDUzfSfyUhLPiqiuqpnmmEZkQJuzX0NW1bUWY8qKXd
    fun0wmDfbJICvk2UhvUTXEo=
    -----END PRIVATE KEY-----
    """

/// Signed by JWTAuth with the ``Fixtures/es256`` key over `Claims.jwtAuth`, `typ: at+jwt`.
let es256Token =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImkzZkZLWkVaNUJqckxPelhnbjloenQxSEVsZmhFWGZhLXdmLXhXclVienciLCJ0eXAiOiJhdCtqd3QifQ.eyJpc3MiOiJodHRwczovL2lkLmV4YW1wbGUuY29tIiwic3ViIjoidV8yYjdmOWM0MSIsImF1ZCI6ImFwaSIsImV4cCI6NDEwMjQ0NDgwMCwibmJmIjoxNzY3MjI1NjAwLCJpYXQiOjE3NjcyMjU2MDAsImp0aSI6IjNmMmI4YzFlLTlhNGQtNGU3Yi04YzZmLTFkMmUzZjRhNWI2YyIsInNpZCI6InNfN2QxZTBhOTQiLCJjbGllbnRfaWQiOiJ3ZWIiLCJzY29wZSI6InJlYWQifQ.8H2IvctGbls3b6TMQDQGj5HYy41mWF9Kwp9sBVEloGtZODKgA15VAqwzgEKTXh3npXe-joQ0fwnT1xBOR4JM6g"

private func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
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
