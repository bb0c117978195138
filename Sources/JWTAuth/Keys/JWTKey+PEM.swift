import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension JWTKey {
    /// Creates a key from PEM text: SPKI (`PUBLIC KEY`), PKCS#8 (`PRIVATE KEY`), PKCS#1
    /// (`RSA PUBLIC KEY`, `RSA PRIVATE KEY`) or SEC 1 (`EC PRIVATE KEY`).
    ///
    /// - Parameters:
    ///   - pem: The PEM document.
    ///   - algorithms: EC and Ed25519 keys have one algorithm per curve; an RSA key needs exactly
    ///     one RSA algorithm here, since PEM does not say whether it is for RS* or PS*.
    ///   - keyID: The `kid` to give the key (PEM has none).
    /// - Throws: `key_invalid` for unreadable or unsupported keys, `weak_key` for weak ones.
    public init(pem: String, algorithms: [JWSAlgorithm] = [], keyID: String? = nil) throws(JWTAuthError) {
        guard let label = Self.pemLabel(pem) else { throw .keyInvalid("not a PEM document") }
        let isPrivate: Bool
        switch label {
        case "PUBLIC KEY", "RSA PUBLIC KEY": isPrivate = false
        case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY": isPrivate = true
        case "ENCRYPTED PRIVATE KEY": throw .keyInvalid("encrypted private keys are not supported; decrypt it first")
        default:
            // The label is echoed only when it looks like one: a BEGIN line that lost its dashes
            // would otherwise put the key's own base64 into the message.
            let known = label.count <= 40 && label.utf8.allSatisfy { $0 == 0x20 || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }
            throw .keyInvalid(known ? "PEM type \"\(label)\" is not a supported key" : "the PEM BEGIN line is malformed")
        }

        if label != "EC PRIVATE KEY", let rsa = Self.rsaMaterial(pem: pem, isPrivate: isPrivate) {
            let (publicKey, _) = rsa
            let components = try Self.rsaPublicComponents(publicKey)
            _ = try RSAModulusCheck.validate(modulus: components.n, exponent: components.e)
            let rsaFamily: [JWSAlgorithm] = [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512]
            let fitting = Set(algorithms.filter(rsaFamily.contains))
            guard fitting.count == 1, let algorithm = fitting.first else {
                throw .keyInvalid("an RSA PEM key needs exactly one RSA algorithm (RS256 … PS512) to be bound to")
            }
            self.init(algorithm: algorithm, keyID: keyID, material: .rsa(rsa.0, rsa.1))
            return
        }
        guard label != "RSA PUBLIC KEY", label != "RSA PRIVATE KEY" else {
            throw .keyInvalid("the RSA key could not be read (keys under 1024 bits cannot be loaded at all)")
        }
        if let material = Self.ecOrEdMaterial(pem: pem, isPrivate: isPrivate) {
            self.init(algorithm: material.0, keyID: keyID, material: material.1)
            return
        }
        throw .keyInvalid("the PEM key could not be read as RSA, P-256, P-384, P-521 or Ed25519")
    }

    /// The label of the first PEM block (`PUBLIC KEY` in `-----BEGIN PUBLIC KEY-----`).
    private static func pemLabel(_ pem: String) -> String? {
        let marker = Array("-----BEGIN ".utf8)
        let bytes = Array(pem.utf8)
        guard bytes.count > marker.count,
            let start = (0...(bytes.count - marker.count)).first(where: { bytes[$0..<($0 + marker.count)].elementsEqual(marker) })
        else { return nil }
        let labelStart = start + marker.count
        // The label ends at the dashes, and never runs past its own line.
        guard let labelEnd = bytes[labelStart...].firstIndex(where: { $0 == UInt8(ascii: "-") || $0 == 0x0A || $0 == 0x0D }) else { return nil }
        return String(decoding: bytes[labelStart..<labelEnd], as: UTF8.self)
    }

    private static func rsaMaterial(pem: String, isPrivate: Bool) -> (RSAPublicKey, RSAPrivateKey?)? {
        // The "unsafe" initialisers accept 1024-bit keys so that our own check can report a
        // weak key as weak_key rather than as unreadable.
        if isPrivate {
            guard let privateKey = try? RSAPrivateKey(unsafePEMRepresentation: pem) else { return nil }
            return (privateKey.publicKey, privateKey)
        }
        guard let publicKey = try? RSAPublicKey(unsafePEMRepresentation: pem) else { return nil }
        return (publicKey, nil)
    }

    private static func ecOrEdMaterial(pem: String, isPrivate: Bool) -> (JWSAlgorithm, Material)? {
        if isPrivate {
            if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) { return (.es256, .p256(key.publicKey, key)) }
            if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) { return (.es384, .p384(key.publicKey, key)) }
            if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) { return (.es512, .p521(key.publicKey, key)) }
            if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) { return (.eddsa, .ed25519(key.publicKey, key)) }
        } else {
            if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) { return (.es256, .p256(key, nil)) }
            if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) { return (.es384, .p384(key, nil)) }
            if let key = try? P521.Signing.PublicKey(pemRepresentation: pem) { return (.es512, .p521(key, nil)) }
            if let key = try? Curve25519.Signing.PublicKey(pemRepresentation: pem) { return (.eddsa, .ed25519(key, nil)) }
        }
        return nil
    }

    /// The public key as SPKI PEM, or nil for HMAC keys.
    public var publicKeyPEM: String? {
        switch self.material {
        case .hmac: nil
        case .rsa(let publicKey, _): publicKey.pemRepresentation
        case .p256(let publicKey, _): publicKey.pemRepresentation
        case .p384(let publicKey, _): publicKey.pemRepresentation
        case .p521(let publicKey, _): publicKey.pemRepresentation
        case .ed25519(let publicKey, _): publicKey.pemRepresentation
        }
    }
}
