import Crypto

/// A signing or verification key, bound to exactly one ``JWSAlgorithm``.
///
/// Binding the algorithm to the key (rather than trusting the token's `alg`) is what makes
/// algorithm-confusion attacks impossible: an RSA public key can never be used as an HMAC
/// secret, and a key made for `PS256` never verifies an `RS256` signature.
///
/// Create keys from a JWK (``init(jwk:algorithms:)``), PEM (``init(pem:algorithms:keyID:)``),
/// an HMAC secret (``init(secret:algorithm:keyID:)``) or generate one
/// (``generate(_:keyID:rsaBits:)``). Weak keys are refused with `weak_key`: HMAC secrets shorter than
/// the hash output (RFC 7518 §3.2), RSA moduli under 2048 bits, RSA public exponent 1, and
/// ROCA-vulnerable RSA moduli (CVE-2017-15361).
public struct JWTKey: Sendable {
    /// The one algorithm this key signs and verifies with.
    public let algorithm: JWSAlgorithm
    /// The key identifier (`kid`), if any. Generated keys use their RFC 7638 thumbprint.
    public let keyID: String?
    /// What the key may be used for, from the JWK's `use` and `key_ops` members.
    public let usage: Usage

    let material: Material
    /// `keyID` as UTF-8, compared against the token's `kid` bytes without allocating.
    let keyIDBytes: [UInt8]?
    /// The exact length of this key's signatures, checked before any cryptography runs.
    let signatureByteCount: Int

    init(algorithm: JWSAlgorithm, keyID: String?, usage: Usage = .signature, material: Material) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.usage = usage
        self.material = material
        self.keyIDBytes = keyID.map { Array($0.utf8) }
        self.signatureByteCount = Self.signatureByteCount(algorithm, material)
    }

    /// True when the key can sign: an HMAC secret or an asymmetric private key.
    public var isPrivate: Bool {
        switch self.material {
        case .hmac: true
        case .rsa(_, let privateKey): privateKey != nil
        case .p256(_, let privateKey): privateKey != nil
        case .p384(_, let privateKey): privateKey != nil
        case .p521(_, let privateKey): privateKey != nil
        case .ed25519(_, let privateKey): privateKey != nil
        }
    }

    /// True for HMAC keys, which are secrets on both sides.
    public var isSymmetric: Bool { self.algorithm.isSymmetric }

    /// True when this key may verify signatures (its JWK `use`/`key_ops` allow it).
    public var canVerify: Bool { self.usage.contains(.verify) }

    /// True when this key holds private material and its JWK `use`/`key_ops` allow signing.
    public var canSign: Bool { self.isPrivate && self.usage.contains(.sign) }

    /// The public half of an asymmetric key (usable only to verify), or nil for HMAC keys.
    public var publicKey: JWTKey? {
        let material: Material
        switch self.material {
        case .hmac: return nil
        case .rsa(let publicKey, _): material = .rsa(publicKey, nil)
        case .p256(let publicKey, _): material = .p256(publicKey, nil)
        case .p384(let publicKey, _): material = .p384(publicKey, nil)
        case .p521(let publicKey, _): material = .p521(publicKey, nil)
        case .ed25519(let publicKey, _): material = .ed25519(publicKey, nil)
        }
        // What the private key may sign, its public half may verify (`key_ops: ["sign"]` is
        // the usual shape of a private JWK).
        var usage = self.usage.subtracting(.sign)
        if self.usage.contains(.sign) { usage.insert(.verify) }
        return JWTKey(algorithm: self.algorithm, keyID: self.keyID, usage: usage, material: material)
    }

    /// A copy of this key with another key identifier.
    public func withKeyID(_ keyID: String?) -> JWTKey {
        JWTKey(algorithm: self.algorithm, keyID: keyID, usage: self.usage, material: self.material)
    }
}

extension JWTKey {
    /// The operations a key is allowed, from the JWK `use` ("sig"/"enc") and `key_ops` members.
    public struct Usage: OptionSet, Sendable, Hashable {
        /// The bit mask of allowed operations.
        public let rawValue: UInt8
        /// Creates a usage from its bit mask.
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Signing tokens (`key_ops` "sign").
        public static let sign = Usage(rawValue: 1 << 0)
        /// Verifying signatures (`key_ops` "verify").
        public static let verify = Usage(rawValue: 1 << 1)
        /// Both: what a key with `use: sig` or without `use`/`key_ops` allows.
        public static let signature: Usage = [.sign, .verify]
    }
}

extension JWTKey {
    /// The key material, by type. The private half, when present, belongs to the public half.
    enum Material: Sendable {
        case hmac(HMACSecret)
        case rsa(RSAPublicKey, RSAPrivateKey?)
        case p256(P256.Signing.PublicKey, P256.Signing.PrivateKey?)
        case p384(P384.Signing.PublicKey, P384.Signing.PrivateKey?)
        case p521(P521.Signing.PublicKey, P521.Signing.PrivateKey?)
        case ed25519(Curve25519.Signing.PublicKey, Curve25519.Signing.PrivateKey?)
    }
}
