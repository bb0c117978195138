/// What a verifier demands of a token beyond a valid signature.
///
/// The policy is always applied — there is no "skip claims" switch. The defaults are the safe
/// ones: `exp` is required, 60 s of leeway, an 8 KiB size cap, and the key set's algorithms
/// as the allow-list.
public struct JWTValidationPolicy: Sendable, Hashable {
    /// The largest leeway accepted; larger values are clamped to it.
    public static let maximumLeeway: Duration = .seconds(300)

    /// Allowed `alg` values; nil means the algorithms of the verifier's keys. `none` can never
    /// be allowed.
    public var algorithms: Set<JWSAlgorithm>?
    /// The issuer the `iss` claim must equal exactly; nil accepts any (but see
    /// ``requiredClaims``).
    public var issuer: String? {
        didSet { self.issuerBytes = self.issuer.map { Array($0.utf8) } }
    }
    /// Audiences this verifier answers to; the token's `aud` (string or array) must contain at
    /// least one. Nil accepts any.
    public var audiences: Set<String>? {
        didSet { self.audienceEntries = Self.entries(self.audiences) }
    }
    /// Accepted `typ` header values, compared case-insensitively, with or without the
    /// `application/` prefix (RFC 7515 §4.1.9). Nil skips the check.
    public var types: Set<String>? {
        didSet { self.normalizedTypes = self.types.map { Set($0.map(Self.normalizedType)) } }
    }
    /// Clock skew tolerated for `exp`, `nbf` and `iat`; clamped to 0…300 s.
    public var leeway: Duration {
        get { self.clampedLeeway }
        set { self.clampedLeeway = min(max(newValue, .zero), Self.maximumLeeway) }
    }
    /// Whether `exp` must be present. True by default; access tokens always need it.
    public var requiresExpiration: Bool
    /// Claims that must be present (of any value), e.g. `["sub", "jti"]`.
    public var requiredClaims: [String] {
        didSet { self.requiredClaimNames = self.requiredClaims.map(RequiredName.init) }
    }
    /// The oldest a token may be: rejected as `too_old` when now − `iat` or `exp` − `iat`
    /// exceeds it. Setting it makes `iat` required.
    public var maximumAge: Duration?
    /// Tokens longer than this many bytes are rejected before any decoding.
    public var maximumTokenBytes: Int
    /// The deepest nesting of arrays and objects accepted in the header and claims.
    public var maximumNestingDepth: Int

    private var clampedLeeway: Duration
    private(set) var normalizedTypes: Set<String>?
    /// UTF-8 of the issuer and audiences, compared against token bytes without allocating;
    /// a matching single audience is returned as the prepared one-element array.
    private(set) var issuerBytes: [UInt8]?
    private(set) var audienceEntries: [AudienceEntry] = []
    /// The required claims packed like the reader's member names, so each payload member is
    /// matched against them with integer compares.
    private(set) var requiredClaimNames: [RequiredName] = []

    struct RequiredName: Hashable, Sendable {
        var length: Int
        var word0: UInt64
        var word1: UInt64
        var bytes: [UInt8]

        init(_ name: String) {
            self.bytes = Array(name.utf8)
            self.length = self.bytes.count
            (self.word0, self.word1) = self.bytes.withUnsafeBytes { JSONReader.MemberName.pack($0, 0, $0.count) }
        }
    }

    struct AudienceEntry: Hashable, Sendable {
        var bytes: [UInt8]
        var list: [String]
    }

    private static func entries(_ audiences: Set<String>?) -> [AudienceEntry] {
        (audiences ?? []).sorted().map { AudienceEntry(bytes: Array($0.utf8), list: [$0]) }
    }

    /// Creates a policy; each parameter sets the property of the same name, and `leeway` is
    /// clamped to 0…300 s.
    public init(
        algorithms: Set<JWSAlgorithm>? = nil,
        issuer: String? = nil,
        audiences: Set<String>? = nil,
        types: Set<String>? = nil,
        leeway: Duration = .seconds(60),
        requiresExpiration: Bool = true,
        requiredClaims: [String] = [],
        maximumAge: Duration? = nil,
        maximumTokenBytes: Int = 8192,
        maximumNestingDepth: Int = 16
    ) {
        self.algorithms = algorithms
        self.issuer = issuer
        self.audiences = audiences
        self.types = types
        self.normalizedTypes = types.map { Set($0.map(Self.normalizedType)) }
        self.issuerBytes = issuer.map { Array($0.utf8) }
        self.audienceEntries = Self.entries(audiences)
        self.clampedLeeway = min(max(leeway, .zero), Self.maximumLeeway)
        self.requiresExpiration = requiresExpiration
        self.requiredClaims = requiredClaims
        self.requiredClaimNames = requiredClaims.map(RequiredName.init)
        self.maximumAge = maximumAge
        self.maximumTokenBytes = maximumTokenBytes
        self.maximumNestingDepth = maximumNestingDepth
    }

    /// The `typ` of OAuth 2.0 access tokens (RFC 9068).
    public static let accessTokenType = "at+jwt"
    /// The `typ` of JWTAuth refresh tokens.
    public static let refreshTokenType = "rt+jwt"

    /// Lower-cased, without an `application/` prefix.
    static func normalizedType(_ type: String) -> String {
        let lowered = type.lowercased()
        return lowered.hasPrefix("application/") ? String(lowered.dropFirst("application/".count)) : lowered
    }
}
