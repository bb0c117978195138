/// Verifies JWTs: signature, header rules and the claims policy, in that order.
///
/// A `Sendable` value: share one across tasks; verification is synchronous, allocation-light
/// and never suspends.
///
/// ```swift
/// let verifier = JWTVerifier(keys: try JWTKeySet(jwks: jwksText), policy: .init(
///     issuer: "https://auth.example", audiences: ["api"], types: ["at+jwt"]))
/// let token = try verifier.verify(bearerToken)
/// print(token.claims.subject ?? "")
/// ```
public struct JWTVerifier: Sendable {
    /// The trusted keys.
    public var keys: JWTKeySet {
        didSet { self.prepareRules() }
    }
    /// What the claims must satisfy.
    public var policy: JWTValidationPolicy {
        didSet { self.prepareRules() }
    }
    /// Where "now" comes from.
    public var clock: any UnixClock
    /// How many recently verified JWTs to remember, so that the same token presented again
    /// skips the signature check (its time rules are still applied on every use); 0, the
    /// default, remembers none.
    ///
    /// Worth it where clients send one token many times — access tokens on an API, where an
    /// ES256 or EdDSA signature check is nearly all the cost of a request. Each entry holds a
    /// copy of the token and its claims (about 1–2 KiB). Changing ``keys`` or ``policy``
    /// starts an empty cache, so nothing verified under the old ones is trusted.
    public var cacheCapacity: Int {
        didSet { self.prepareRules() }
    }

    /// The header rules, prepared once rather than per token.
    private var jwtRules: CompactJWS.Rules
    private var jwsRules: CompactJWS.Rules
    private(set) var cache: VerifiedTokenCache?

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - keys: The trusted keys.
    ///   - policy: What the claims must satisfy.
    ///   - clock: Where "now" comes from.
    ///   - cacheCapacity: How many recently verified JWTs to remember (see ``cacheCapacity``).
    public init(keys: JWTKeySet, policy: JWTValidationPolicy = JWTValidationPolicy(), clock: any UnixClock = SystemClock(), cacheCapacity: Int = 0) {
        self.keys = keys
        self.policy = policy
        self.clock = clock
        self.cacheCapacity = cacheCapacity
        (self.jwtRules, self.jwsRules) = Self.rules(keys, policy)
        self.cache = cacheCapacity > 0 ? VerifiedTokenCache(capacity: cacheCapacity) : nil
    }

    private mutating func prepareRules() {
        (self.jwtRules, self.jwsRules) = Self.rules(self.keys, self.policy)
        self.cache = self.cacheCapacity > 0 ? VerifiedTokenCache(capacity: self.cacheCapacity) : nil
    }

    private static func rules(_ keys: JWTKeySet, _ policy: JWTValidationPolicy) -> (jwt: CompactJWS.Rules, jws: CompactJWS.Rules) {
        var rules = CompactJWS.Rules(
            maximumTokenBytes: policy.maximumTokenBytes,
            maximumNestingDepth: policy.maximumNestingDepth,
            algorithms: (policy.algorithms ?? keys.algorithms).reduce(0) { $0 | 1 << UInt32($1.kind.rawValue) },
            types: policy.normalizedTypes,
            refusesNestedJWT: true
        )
        let jwt = rules
        rules.refusesNestedJWT = false
        return (jwt, rules)
    }

    /// Verifies a compact JWT and applies the policy.
    ///
    /// - Throws: ``JWTAuthError`` naming the first rule the token breaks.
    public func verify(_ token: String) throws(JWTAuthError) -> VerifiedJWT {
        // The payload is kept as the token's segment (the caller's string, retained) and
        // decoded again only if asked for: one allocation and copy fewer per verification.
        try Self.withUTF8(token) { (bytes) throws(JWTAuthError) in
            try self.verifyRemembering(bytes) { _, segment in .segment(Substring(token), segment) }
        }
    }

    /// Verifies a compact JWT given as a substring (e.g. after `Bearer `).
    public func verify(_ token: Substring) throws(JWTAuthError) -> VerifiedJWT {
        try Self.withUTF8(token) { (bytes) throws(JWTAuthError) in
            try self.verifyRemembering(bytes) { _, segment in .segment(token, segment) }
        }
    }

    /// Verifies a compact JWT given as UTF-8 bytes.
    public func verify(utf8 token: UnsafeRawBufferPointer) throws(JWTAuthError) -> VerifiedJWT {
        try self.verifyRemembering(token) { payload, _ in .bytes(Array(payload)) }
    }

    /// `verify`, through the cache when there is one.
    private func verifyRemembering(
        _ token: UnsafeRawBufferPointer,
        payload keep: (UnsafeRawBufferPointer, Range<Int>) -> VerifiedJWT.Payload
    ) throws(JWTAuthError) -> VerifiedJWT {
        guard let cache = self.cache else { return try self.verify(token, payload: keep) }
        if let remembered = cache.lookup(token) {
            let claims = remembered.claims
            do {
                try ClaimsReader.checkTimes(
                    expiresAt: claims.expiresAt,
                    notBefore: claims.notBefore,
                    issuedAt: claims.issuedAt,
                    policy: self.policy,
                    now: self.clock.now
                )
            } catch {
                cache.remove(token)
                throw error
            }
            return remembered
        }
        let verified = try self.verify(token, payload: keep)
        cache.insert(token, verified)
        return verified
    }

    private func verify(
        _ token: UnsafeRawBufferPointer,
        payload keep: (UnsafeRawBufferPointer, Range<Int>) -> VerifiedJWT.Payload
    ) throws(JWTAuthError) -> VerifiedJWT {
        try CompactJWS.verify(token, keys: self.keys, rules: self.jwtRules) {
            (header, headerBytes, key, payload, segment) throws(JWTAuthError) -> VerifiedJWT in
            let claims = try ClaimsReader.read(payload, policy: self.policy, now: self.clock.now)
            return VerifiedJWT(header: header.publicHeader(in: headerBytes, key: key), claims: claims, storage: keep(payload, segment))
        }
    }

    /// Verifies a compact JWS — header rules and signature only — and returns its payload,
    /// which may be any bytes. No claims are read and no time checks are made: use this for
    /// signed documents that are not JWTs, never for access tokens.
    public func verifyJWS(_ token: String) throws(JWTAuthError) -> VerifiedJWS {
        try Self.withUTF8(token) { (bytes) throws(JWTAuthError) -> VerifiedJWS in
            try CompactJWS.verify(bytes, keys: self.keys, rules: self.jwsRules) {
                (header, headerBytes, key, payload, _) throws(JWTAuthError) -> VerifiedJWS in
                VerifiedJWS(header: header.publicHeader(in: headerBytes, key: key), payload: Array(payload))
            }
        }
    }

    private static func withUTF8<S: StringProtocol, R>(
        _ string: S,
        _ body: (UnsafeRawBufferPointer) throws(JWTAuthError) -> R
    ) throws(JWTAuthError) -> R {
        let result: Result<R, JWTAuthError>? = string.utf8.withContiguousStorageIfAvailable { buffer in
            do throws(JWTAuthError) {
                return .success(try body(UnsafeRawBufferPointer(buffer)))
            } catch {
                return .failure(error)
            }
        }
        if let result { return try result.get() }
        let copy = Array(string.utf8)
        return try copy.withUnsafeBytesTyped { (bytes) throws(JWTAuthError) -> R in try body(bytes) }
    }
}
