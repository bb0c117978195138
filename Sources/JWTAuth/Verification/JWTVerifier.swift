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
    /// The trusted keys: the fixed set, or the ring's current one. Setting them makes the
    /// verifier use this fixed set from then on.
    public var keys: JWTKeySet {
        get {
            switch self.source {
            case .fixed(let keys): keys
            case .ring(let ring): ring.verificationKeys
            }
        }
        set {
            self.source = .fixed(newValue)
            self.prepareRules()
        }
    }
    /// The ring the keys come from, when they may change while the verifier is in use.
    public var keyRing: KeyRing? {
        if case .ring(let ring) = self.source { return ring }
        return nil
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
    /// starts an empty cache, and a token remembered under an older state of a ``KeyRing``
    /// is verified again, so nothing verified under other keys is trusted.
    public var cacheCapacity: Int {
        didSet { self.prepareRules() }
    }

    private enum KeySource: Sendable {
        case fixed(JWTKeySet)
        case ring(KeyRing)
    }

    private var source: KeySource
    /// The header rules, prepared once rather than per token. For a ring, `algorithms` holds
    /// the policy's allow-list (all ones without one), narrowed per token to the ring's keys.
    private var jwtRules: CompactJWS.Rules
    private var jwsRules: CompactJWS.Rules
    private(set) var cache: VerifiedTokenCache?

    /// Creates a verifier for a fixed set of keys.
    ///
    /// - Parameters:
    ///   - keys: The trusted keys.
    ///   - policy: What the claims must satisfy.
    ///   - clock: Where "now" comes from.
    ///   - cacheCapacity: How many recently verified JWTs to remember (see ``cacheCapacity``).
    public init(keys: JWTKeySet, policy: JWTValidationPolicy = JWTValidationPolicy(), clock: any UnixClock = SystemClock(), cacheCapacity: Int = 0) {
        self.init(source: .fixed(keys), policy: policy, clock: clock, cacheCapacity: cacheCapacity)
    }

    /// Creates a verifier whose keys come from a ring and may change while it is in use (key
    /// rotation, a remote JWKS). Each token is verified against the ring's keys of the moment.
    ///
    /// - Parameters:
    ///   - keyRing: Where the trusted keys come from.
    ///   - policy: What the claims must satisfy. Without an explicit `algorithms` allow-list,
    ///     the algorithms of the ring's keys of the moment are allowed.
    ///   - clock: Where "now" comes from.
    ///   - cacheCapacity: How many recently verified JWTs to remember (see ``cacheCapacity``).
    public init(keyRing: KeyRing, policy: JWTValidationPolicy = JWTValidationPolicy(), clock: any UnixClock = SystemClock(), cacheCapacity: Int = 0) {
        self.init(source: .ring(keyRing), policy: policy, clock: clock, cacheCapacity: cacheCapacity)
    }

    private init(source: KeySource, policy: JWTValidationPolicy, clock: any UnixClock, cacheCapacity: Int) {
        self.source = source
        self.policy = policy
        self.clock = clock
        self.cacheCapacity = cacheCapacity
        (self.jwtRules, self.jwsRules) = Self.rules(source, policy)
        self.cache = cacheCapacity > 0 ? VerifiedTokenCache(capacity: cacheCapacity) : nil
    }

    private mutating func prepareRules() {
        (self.jwtRules, self.jwsRules) = Self.rules(self.source, self.policy)
        self.cache = self.cacheCapacity > 0 ? VerifiedTokenCache(capacity: self.cacheCapacity) : nil
    }

    private static func rules(_ source: KeySource, _ policy: JWTValidationPolicy) -> (jwt: CompactJWS.Rules, jws: CompactJWS.Rules) {
        let algorithms: UInt32
        switch source {
        case .fixed(let keys):
            algorithms = (policy.algorithms ?? keys.algorithms).reduce(0) { $0 | 1 << UInt32($1.kind.rawValue) }
        case .ring:
            algorithms = policy.algorithms.map { $0.reduce(0) { $0 | 1 << UInt32($1.kind.rawValue) } } ?? UInt32.max
        }
        var rules = CompactJWS.Rules(
            maximumTokenBytes: policy.maximumTokenBytes,
            maximumNestingDepth: policy.maximumNestingDepth,
            algorithms: algorithms,
            types: policy.normalizedTypes,
            refusesNestedJWT: true
        )
        let jwt = rules
        rules.refusesNestedJWT = false
        return (jwt, rules)
    }

    /// Calls `body` with the keys, the rules and the key generation of this moment.
    @inline(__always)
    private func withKeys<Result>(
        jws: Bool = false,
        _ body: (JWTKeySet, CompactJWS.Rules, UInt64) throws(JWTAuthError) -> Result
    ) throws(JWTAuthError) -> Result {
        switch self.source {
        case .fixed(let keys):
            return try body(keys, jws ? self.jwsRules : self.jwtRules, 0)
        case .ring(let ring):
            let snapshot = ring.snapshot()
            var rules = jws ? self.jwsRules : self.jwtRules
            rules.algorithms &= snapshot.algorithmMask
            return try body(snapshot.verificationKeys, rules, snapshot.generation)
        }
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
        try self.withKeys { (keys, rules, generation) throws(JWTAuthError) -> VerifiedJWT in
            guard let cache = self.cache else { return try self.verify(token, keys: keys, rules: rules, payload: keep) }
            if let remembered = cache.lookup(token, generation: generation) {
                let claims = remembered.claims
                do throws(JWTAuthError) {
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
            let verified = try self.verify(token, keys: keys, rules: rules, payload: keep)
            cache.insert(token, verified, generation: generation)
            return verified
        }
    }

    private func verify(
        _ token: UnsafeRawBufferPointer,
        keys: JWTKeySet,
        rules: CompactJWS.Rules,
        payload keep: (UnsafeRawBufferPointer, Range<Int>) -> VerifiedJWT.Payload
    ) throws(JWTAuthError) -> VerifiedJWT {
        try CompactJWS.verify(token, keys: keys, rules: rules) {
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
            try self.withKeys(jws: true) { (keys, rules, _) throws(JWTAuthError) -> VerifiedJWS in
                try CompactJWS.verify(bytes, keys: keys, rules: rules) {
                    (header, headerBytes, key, payload, _) throws(JWTAuthError) -> VerifiedJWS in
                    VerifiedJWS(header: header.publicHeader(in: headerBytes, key: key), payload: Array(payload))
                }
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
