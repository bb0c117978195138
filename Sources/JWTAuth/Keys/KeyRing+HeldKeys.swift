extension KeyRing {
    /// One of a ring's verification keys, named as a token named it: what a long use of a
    /// verified token (a revocation-feed stream) keeps, to ask the ring later whether it still
    /// holds that key — a revocation, or a retired key reaching the end of its time, takes it
    /// out, and the token must stop working with it.
    public struct HeldKey: Sendable, Hashable {
        /// The key's algorithm.
        public let algorithm: JWSAlgorithm
        /// The key's `kid`, or nil for a token that named none.
        public let keyID: String?
        /// The key's RFC 7638 thumbprint: other key material under the same `kid` (or, without
        /// one, in the same algorithm's only slot) is another key.
        public let thumbprint: String
    }

    /// The key of the ring that verifies tokens with this header now — the one its `kid`
    /// names, or for a token without `kid` the ring's only key of its algorithm — or nil when
    /// there is none.
    public func heldKey(verifying header: JOSEHeader) -> HeldKey? {
        guard let key = Self.key(in: self.verificationKeys, algorithm: header.algorithm, keyID: header.keyID) else { return nil }
        return HeldKey(algorithm: key.algorithm, keyID: header.keyID, thumbprint: key.thumbprint)
    }

    /// True while the ring would still verify with `key`.
    public func holds(_ key: HeldKey) -> Bool {
        Self.key(in: self.verificationKeys, algorithm: key.algorithm, keyID: key.keyID)?.thumbprint == key.thumbprint
    }

    /// The lookup verification makes (``JWTKeySet``): by `kid`, or the one key of the algorithm.
    private static func key(in keys: JWTKeySet, algorithm: JWSAlgorithm, keyID: String?) -> JWTKey? {
        if let keyID {
            return keys.verificationKeys.first { $0.keyID == keyID && $0.algorithm == algorithm }
        }
        let candidates = keys.verificationKeys.filter { $0.algorithm == algorithm }
        return candidates.count == 1 ? candidates.first : nil
    }
}
