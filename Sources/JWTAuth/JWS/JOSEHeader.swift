/// The members of a verified token's protected header that JWTAuth reads.
public struct JOSEHeader: Sendable, Hashable {
    /// `alg`: the algorithm the signature was verified with.
    public var algorithm: JWSAlgorithm
    /// `kid`: the key identifier, when the token named one.
    public var keyID: String?
    /// `typ`: the media type of the whole token, e.g. `at+jwt` (RFC 9068).
    public var type: String?
    /// `cty`: the media type of the payload.
    public var contentType: String?

    /// Creates a header with the given members; only `alg` is required.
    public init(algorithm: JWSAlgorithm, keyID: String? = nil, type: String? = nil, contentType: String? = nil) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.type = type
        self.contentType = contentType
    }
}
