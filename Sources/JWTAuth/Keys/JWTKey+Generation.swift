import Crypto
import CryptoExtras

extension JWTKey {
    /// Generates a new private key for `algorithm`.
    ///
    /// HMAC secrets are as long as the hash output; RSA keys have `rsaBits` bits (2048 unless
    /// said otherwise); EC keys are on the algorithm's curve. The `kid` defaults to the key's
    /// RFC 7638 thumbprint, so it is stable and says nothing about when or where it was made.
    public static func generate(_ algorithm: JWSAlgorithm, keyID: String? = nil, rsaBits: Int = 2048) throws(JWTAuthError) -> JWTKey {
        let material: Material
        switch algorithm.kind {
        case .hs256, .hs384, .hs512:
            let key = SymmetricKey(size: SymmetricKeySize(bitCount: HMACSecret.minimumByteCount(for: algorithm) * 8))
            material = .hmac(HMACSecret(key: key, algorithm: algorithm))
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512:
            guard rsaBits >= RSAModulusCheck.minimumBits, rsaBits <= 16384, rsaBits % 8 == 0 else {
                throw .weakKey("RSA keys must have between 2048 and 16384 bits")
            }
            do {
                let privateKey = try RSAPrivateKey(keySize: .init(bitCount: rsaBits))
                material = .rsa(privateKey.publicKey, privateKey)
            } catch {
                throw .keyInvalid("the crypto library could not generate an RSA key")
            }
        case .es256:
            let privateKey = P256.Signing.PrivateKey()
            material = .p256(privateKey.publicKey, privateKey)
        case .es384:
            let privateKey = P384.Signing.PrivateKey()
            material = .p384(privateKey.publicKey, privateKey)
        case .es512:
            let privateKey = P521.Signing.PrivateKey()
            material = .p521(privateKey.publicKey, privateKey)
        case .eddsa:
            let privateKey = Curve25519.Signing.PrivateKey()
            material = .ed25519(privateKey.publicKey, privateKey)
        }
        let key = JWTKey(algorithm: algorithm, keyID: nil, material: material)
        return key.withKeyID(keyID ?? key.thumbprint)
    }
}
