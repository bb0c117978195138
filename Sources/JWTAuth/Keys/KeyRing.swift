import Synchronization

/// Keys that change while the process runs — a signing key and the set tokens are verified
/// against, replaced together and atomically.
///
/// A token server rotates its signing key without a restart, and a service that verifies
/// against a remote JWKS picks up the issuer's new keys; both keep their keys in a ring.
/// Verifiers built on a ring (``JWTVerifier/init(keyRing:policy:clock:cacheCapacity:)``) read
/// the current keys for every token, and tokens they remembered under an older set are
/// verified again, so a key taken out of the ring stops verifying at once.
///
/// When a token names a `kid` the ring does not hold, a verifier may ask the ring's owner to
/// look for new keys (``resolveUnknownKey()``) before it gives up: the owner decides how often
/// that may happen, so a flood of made-up `kid`s costs at most one reload per its cooldown.
public final class KeyRing: Sendable {
    /// One state of the ring: what a verification or a signature reads, all at once.
    struct Snapshot: Sendable {
        let verificationKeys: JWTKeySet
        let signer: JWTSigner?
        /// The verification keys' algorithms as a bit set over `JWSAlgorithm.Kind`.
        let algorithmMask: UInt32
        /// Increases with every replacement, so remembered verifications can be told apart.
        let generation: UInt64
    }

    private let state: Mutex<Snapshot>
    private let unknownKeyHandler = Mutex<(@Sendable () async -> Void)?>(nil)

    /// Creates a ring.
    ///
    /// - Parameters:
    ///   - signingKey: The private key new tokens are signed with, or nil for a ring that only
    ///     verifies.
    ///   - verificationKeys: The keys tokens are verified against.
    /// - Throws: `key_invalid` when `signingKey` cannot sign.
    public init(signingKey: JWTKey? = nil, verificationKeys: JWTKeySet) throws(JWTAuthError) {
        self.state = Mutex(try Self.snapshot(signingKey: signingKey, verificationKeys: verificationKeys, generation: 1))
    }

    /// The key new tokens are signed with, if the ring has one.
    public var signingKey: JWTKey? { self.snapshot().signer?.key }

    /// The keys tokens are verified against.
    public var verificationKeys: JWTKeySet { self.snapshot().verificationKeys }

    /// A number that grows with every ``replace(signingKey:verificationKeys:)``.
    public var generation: UInt64 { self.snapshot().generation }

    /// Replaces both the signing key and the verification keys.
    ///
    /// - Throws: `key_invalid` when `signingKey` cannot sign; the ring is then unchanged.
    public func replace(signingKey: JWTKey?, verificationKeys: JWTKeySet) throws(JWTAuthError) {
        // Built outside the lock: signer preparation may do key work.
        let prepared = try Self.snapshot(signingKey: signingKey, verificationKeys: verificationKeys, generation: 0)
        self.state.withLock { state in
            state = Snapshot(
                verificationKeys: prepared.verificationKeys,
                signer: prepared.signer,
                algorithmMask: prepared.algorithmMask,
                generation: state.generation &+ 1
            )
        }
    }

    /// Replaces the verification keys and keeps the signing key.
    public func replace(verificationKeys: JWTKeySet) {
        let mask = Self.mask(verificationKeys)
        self.state.withLock { state in
            state = Snapshot(verificationKeys: verificationKeys, signer: state.signer, algorithmMask: mask, generation: state.generation &+ 1)
        }
    }

    /// Sets what ``resolveUnknownKey()`` runs: typically a reload of the keys from where they
    /// live, limited by the owner to once per some cooldown.
    public func setUnknownKeyHandler(_ handler: (@Sendable () async -> Void)?) {
        self.unknownKeyHandler.withLock { $0 = handler }
    }

    /// Asks the ring's owner for keys it may not have yet, because a token named a `kid` the
    /// ring does not hold.
    ///
    /// - Returns: True when the keys changed meanwhile (the token is worth verifying again).
    public func resolveUnknownKey() async -> Bool {
        let before = self.generation
        guard let handler = self.unknownKeyHandler.withLock({ $0 }) else { return false }
        await handler()
        return self.generation != before
    }

    func snapshot() -> Snapshot {
        self.state.withLock { $0 }
    }

    private static func snapshot(signingKey: JWTKey?, verificationKeys: JWTKeySet, generation: UInt64) throws(JWTAuthError) -> Snapshot {
        Snapshot(
            verificationKeys: verificationKeys,
            signer: try signingKey.map { (key) throws(JWTAuthError) in try JWTSigner(key: key) },
            algorithmMask: Self.mask(verificationKeys),
            generation: generation
        )
    }

    static func mask(_ keys: JWTKeySet) -> UInt32 {
        keys.algorithms.reduce(0) { $0 | 1 << UInt32($1.kind.rawValue) }
    }
}
