public import Crypto

extension JWTKey {
    /// An ES256 key from a swift-crypto P-256 private key.
    public init(_ key: P256.Signing.PrivateKey, keyID: String? = nil) {
        self.init(algorithm: .es256, keyID: nil, material: .p256(key.publicKey, key))
        self = self.withKeyID(keyID ?? self.thumbprint)
    }

    /// An ES256 verification key from a swift-crypto P-256 public key.
    public init(_ key: P256.Signing.PublicKey, keyID: String? = nil) {
        self.init(algorithm: .es256, keyID: nil, material: .p256(key, nil))
        self = self.withKeyID(keyID ?? self.thumbprint)
    }

    /// An ES384 key from a swift-crypto P-384 private key.
    public init(_ key: P384.Signing.PrivateKey, keyID: String? = nil) {
        self.init(algorithm: .es384, keyID: nil, material: .p384(key.publicKey, key))
        self = self.withKeyID(keyID ?? self.thumbprint)
    }

    /// An ES512 key from a swift-crypto P-521 private key.
    public init(_ key: P521.Signing.PrivateKey, keyID: String? = nil) {
        self.init(algorithm: .es512, keyID: nil, material: .p521(key.publicKey, key))
        self = self.withKeyID(keyID ?? self.thumbprint)
    }

    /// An EdDSA key from a swift-crypto Ed25519 private key.
    public init(_ key: Curve25519.Signing.PrivateKey, keyID: String? = nil) {
        self.init(algorithm: .eddsa, keyID: nil, material: .ed25519(key.publicKey, key))
        self = self.withKeyID(keyID ?? self.thumbprint)
    }

    /// An EdDSA verification key from a swift-crypto Ed25519 public key.
    public init(_ key: Curve25519.Signing.PublicKey, keyID: String? = nil) {
        self.init(algorithm: .eddsa, keyID: nil, material: .ed25519(key, nil))
        self = self.withKeyID(keyID ?? self.thumbprint)
    }
}
