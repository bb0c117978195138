/// A signing key as a ``SigningKeyStore`` keeps it: its identity, where it is in its life, and
/// its private part sealed under a ``KeyEncryptionKey``.
///
/// A key moves `next` → `current` → `retired` and is then deleted, or is `revoked` at any
/// point. ``SigningKeySchedule`` decides the moves.
public struct SigningKeyRecord: Sendable, Hashable {
    /// Where a key is in its life.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Published in the JWKS ahead of use, so caches hold it before it signs.
        case next
        /// Signs new tokens; there is at most one.
        case current
        /// Signs nothing any more; published until every token it signed has expired.
        case retired
        /// Compromised: out of the JWKS at once, its tokens refused whatever their age.
        case revoked
    }

    /// The key's `kid`.
    public var keyID: String
    /// The algorithm the key is bound to.
    public var algorithm: JWSAlgorithm
    /// Where the key is in its life.
    public var state: State
    /// The private key sealed by ``KeyEncryptionKey/seal(_:)``.
    public var sealedKey: String
    /// When the key was created, which is when it was first published.
    public var createdAt: NumericDate
    /// When the key became `current`.
    public var activatedAt: NumericDate?
    /// When the key stopped signing (became `retired`).
    public var retiredAt: NumericDate?
    /// When the key was revoked.
    public var revokedAt: NumericDate?

    /// Creates a record; each parameter sets the property of the same name.
    public init(
        keyID: String,
        algorithm: JWSAlgorithm,
        state: State,
        sealedKey: String,
        createdAt: NumericDate,
        activatedAt: NumericDate? = nil,
        retiredAt: NumericDate? = nil,
        revokedAt: NumericDate? = nil
    ) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.state = state
        self.sealedKey = sealedKey
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.retiredAt = retiredAt
        self.revokedAt = revokedAt
    }

    /// A record for an existing private key (an imported key file), sealed under
    /// `encryptionKey`: `current` keys are active from `now`, `retired` ones retired at `now`.
    ///
    /// - Throws: `key_invalid` when the key cannot sign or has no `kid`.
    public init(key: JWTKey, state: State, at now: NumericDate, sealedWith encryptionKey: KeyEncryptionKey) throws(JWTAuthError) {
        guard let keyID = key.keyID else { throw .keyInvalid("a stored signing key needs a kid") }
        self.init(
            keyID: keyID,
            algorithm: key.algorithm,
            state: state,
            sealedKey: try encryptionKey.seal(key),
            createdAt: now,
            activatedAt: state == .current || state == .retired ? now : nil,
            retiredAt: state == .retired ? now : nil,
            revokedAt: state == .revoked ? now : nil
        )
    }

    /// A record for a newly generated key (its `kid` the RFC 7638 thumbprint).
    ///
    /// - Throws: `key_invalid` when the crypto library cannot generate the key.
    public static func generate(
        _ algorithm: JWSAlgorithm,
        state: State,
        at now: NumericDate,
        sealedWith encryptionKey: KeyEncryptionKey
    ) throws(JWTAuthError) -> SigningKeyRecord {
        try SigningKeyRecord(key: try JWTKey.generate(algorithm), state: state, at: now, sealedWith: encryptionKey)
    }

    /// The private key, opened with `encryptionKey`.
    ///
    /// - Throws: `key_invalid` when the key was sealed under another key-encryption key or the
    ///   record was altered.
    public func open(with encryptionKey: KeyEncryptionKey) throws(JWTAuthError) -> JWTKey {
        try encryptionKey.open(self.sealedKey, keyID: self.keyID, algorithm: self.algorithm)
    }
}
