import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

typealias RSAPublicKey = _RSA.Signing.PublicKey
typealias RSAPrivateKey = _RSA.Signing.PrivateKey

extension JWTKey {
    /// The exact signature length a key produces.
    static func signatureByteCount(_ algorithm: JWSAlgorithm, _ material: Material) -> Int {
        switch material {
        case .hmac: HMACSecret.minimumByteCount(for: algorithm)
        case .rsa(let publicKey, _): (publicKey.keySizeInBits + 7) / 8
        case .p256: 64
        case .p384: 96
        case .p521: 132
        case .ed25519: 64
        }
    }

    /// Signs the JWS signing input (`BASE64URL(header) || '.' || BASE64URL(payload)`).
    func signature(for input: UnsafeRawBufferPointer) throws(JWTAuthError) -> [UInt8] {
        do {
            switch self.material {
            case .hmac(let secret):
                return secret.authenticationCode(for: input)
            case .rsa(_, let privateKey?):
                let signature: _RSA.Signing.RSASignature
                switch self.algorithm {
                case .rs256: signature = try privateKey.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
                case .rs384: signature = try privateKey.signature(for: SHA384.hash(data: input), padding: .insecurePKCS1v1_5)
                case .rs512: signature = try privateKey.signature(for: SHA512.hash(data: input), padding: .insecurePKCS1v1_5)
                case .ps256: signature = try privateKey.signature(for: SHA256.hash(data: input), padding: .PSS)
                case .ps384: signature = try privateKey.signature(for: SHA384.hash(data: input), padding: .PSS)
                default: signature = try privateKey.signature(for: SHA512.hash(data: input), padding: .PSS)
                }
                return Array(signature.rawRepresentation)
            case .p256(_, let privateKey?):
                return Array(try privateKey.signature(for: input).rawRepresentation)
            case .p384(_, let privateKey?):
                return Array(try privateKey.signature(for: input).rawRepresentation)
            case .p521(_, let privateKey?):
                return Array(try privateKey.signature(for: input).rawRepresentation)
            case .ed25519(_, let privateKey?):
                return Array(try privateKey.signature(for: input))
            default:
                throw JWTAuthError.keyInvalid("a public key cannot sign")
            }
        } catch let error as JWTAuthError {
            throw error
        } catch {
            throw JWTAuthError.keyInvalid("the crypto library could not sign with this key")
        }
    }

    /// True when `signature` is a valid signature of `input` under this key and algorithm.
    ///
    /// The length is checked first, so DER-encoded, truncated or padded ECDSA signatures and
    /// wrong-size RSA signatures never reach the crypto library.
    func isValidSignature(_ signature: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == self.signatureByteCount else { return false }
        switch self.material {
        case .hmac(let secret):
            return secret.isValidAuthenticationCode(signature, for: input)
        case .rsa(let publicKey, _):
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch self.algorithm {
            case .rs256: return publicKey.isValidSignature(rsaSignature, for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
            case .rs384: return publicKey.isValidSignature(rsaSignature, for: SHA384.hash(data: input), padding: .insecurePKCS1v1_5)
            case .rs512: return publicKey.isValidSignature(rsaSignature, for: SHA512.hash(data: input), padding: .insecurePKCS1v1_5)
            case .ps256: return publicKey.isValidSignature(rsaSignature, for: SHA256.hash(data: input), padding: .PSS)
            case .ps384: return publicKey.isValidSignature(rsaSignature, for: SHA384.hash(data: input), padding: .PSS)
            default: return publicKey.isValidSignature(rsaSignature, for: SHA512.hash(data: input), padding: .PSS)
            }
        case .p256(let publicKey, _):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return publicKey.isValidSignature(ecdsa, for: input)
        case .p384(let publicKey, _):
            guard let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return publicKey.isValidSignature(ecdsa, for: input)
        case .p521(let publicKey, _):
            guard let ecdsa = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return publicKey.isValidSignature(ecdsa, for: input)
        case .ed25519(let publicKey, _):
            return publicKey.isValidSignature(signature, for: input)
        }
    }
}
