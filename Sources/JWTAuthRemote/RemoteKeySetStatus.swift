public import JWTAuth

/// What a ``RemoteKeySet`` can say about itself, for a health route.
public struct RemoteKeySetStatus: Sendable, Hashable {
    /// True when tokens can be verified: a set was fetched, it is not older than the maximum
    /// stale age, and it holds at least one key that is not revoked.
    public var hasUsableKeys: Bool
    /// Why tokens cannot be verified, when ``hasUsableKeys`` is false.
    public var unusableReason: String?
    /// The `kid`s of the keys tokens are verified against now.
    public var keyIDs: [String]
    /// The `kid`s refused because the revocation feed revoked them.
    public var revokedKeyIDs: [String]
    /// When the issuer last answered with a usable set (or confirmed the one held, 304).
    public var lastSuccess: NumericDate?
    /// When the set held is due to be fetched again.
    public var expiresAt: NumericDate?
    /// The last failure (unreachable, timed out, refused set, …); nil once a fetch succeeds.
    public var lastError: String?
    /// When ``lastError`` happened.
    public var lastErrorAt: NumericDate?
    /// Keys of the last fetched set that were skipped, with the reason (an unsupported key type,
    /// a weak key): tokens naming them fail as `key_unknown`.
    public var skippedKeys: [String]
}
