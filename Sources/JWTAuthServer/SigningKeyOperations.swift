import JWTAuth

/// The key lifecycle's moves against a store, with what every move must check first: that the
/// stored keys were sealed under this key-encryption key (a key sealed under another could
/// never be opened by the instances already running), and that a new key can be published
/// beside the others.
struct SigningKeyOperations: Sendable {
    let store: any SigningKeyStore
    let schedule: SigningKeySchedule
    let encryptionKey: KeyEncryptionKey
    /// The algorithm of new keys; nil: the current key's.
    let algorithm: JWSAlgorithm?

    /// On start: imports `legacyKeys` into an empty store, then makes every due move (a first
    /// start creates the current and the next key).
    func prepare(importing legacyKeys: [SigningKeyRecord], at now: NumericDate) async throws -> [SigningKeyRecord] {
        try await self.change { keys in
            try self.schedule.advance(keys.isEmpty ? legacyKeys : keys, at: now, newKey: self.keyMaker(keys.isEmpty ? legacyKeys : keys))
        }
    }

    /// Makes every move due at `now` (a scheduled rotation, deletions).
    func advance(at now: NumericDate) async throws -> [SigningKeyRecord] {
        try await self.change { keys in
            try self.schedule.advance(keys, at: now, newKey: self.keyMaker(keys))
        }
    }

    /// Rotates by hand: next signs now, a new next is created.
    func rotate(at now: NumericDate) async throws -> [SigningKeyRecord] {
        try await self.change { keys in
            try self.schedule.rotate(keys, at: now, newKey: self.keyMaker(keys))
        }
    }

    /// Revokes `keyID`.
    func revoke(_ keyID: String, at now: NumericDate) async throws -> [SigningKeyRecord] {
        try await self.change { keys in
            try self.schedule.revoke(keyID, in: keys, at: now, newKey: self.keyMaker(keys))
        }
    }

    private func change(_ body: @escaping @Sendable ([SigningKeyRecord]) throws -> [SigningKeyRecord]) async throws -> [SigningKeyRecord] {
        let encryptionKey = self.encryptionKey
        return try await self.store.updateSigningKeys { keys in
            try Self.checkSealing(keys, encryptionKey: encryptionKey)
            let changed = try body(keys)
            return (changed, changed)
        }
    }

    private func keyMaker(_ keys: [SigningKeyRecord]) -> SigningKeySchedule.KeyMaker {
        let algorithm = self.algorithm ?? self.schedule.signingKey(keys)?.algorithm ?? keys.first(where: { $0.state == .next })?.algorithm ?? .es256
        let encryptionKey = self.encryptionKey
        return { (state, now) throws(JWTAuthError) in
            // A key set may not mix HMAC secrets with public keys: the new key must be able to
            // stand beside the ones still published.
            if let other = keys.first(where: { $0.state != .revoked && $0.algorithm.isSymmetric != algorithm.isSymmetric }) {
                throw JWTAuthError(
                    .keyInvalid,
                    "a new \(algorithm) key cannot be published beside the \(other.algorithm) key \(other.keyID); choose an algorithm of the same kind"
                )
            }
            return try SigningKeyRecord.generate(algorithm, state: state, at: now, sealedWith: encryptionKey)
        }
    }

    /// Refuses keys sealed under another key-encryption key, naming the fix.
    static func checkSealing(_ keys: [SigningKeyRecord], encryptionKey: KeyEncryptionKey) throws(JWTAuthError) {
        for key in keys {
            let identifier = KeyEncryptionKey.identifier(ofSealed: key.sealedKey)
            guard identifier == encryptionKey.identifier else {
                throw Self.sealedElsewhere(key, theirs: identifier, ours: encryptionKey.identifier)
            }
        }
    }

    static func sealedElsewhere(_ key: SigningKeyRecord, theirs: String?, ours: String) -> JWTAuthError {
        JWTAuthError(
            .keyInvalid,
            "the signing keys in the database (\(key.keyID) among them) were sealed under another key-encryption key "
                + "(theirs \(theirs ?? "unknown"), this one \(ours)); give every instance, and jwtauth keys, the same key-encryption key file "
                + "(--key-encryption-key-file or JWTAUTH_KEY_ENCRYPTION_KEY_FILE)"
        )
    }
}
