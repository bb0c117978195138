/// A JWS signature algorithm (RFC 7518 §3, RFC 8037).
///
/// `none` is not representable: there is no way to ask JWTAuth to accept an unsigned token.
/// A struct over a private enum (not a public enum), so algorithms can be added later without
/// breaking anyone's exhaustive `switch`.
public struct JWSAlgorithm: Hashable, Sendable, CustomStringConvertible, CaseIterable {
    enum Kind: UInt8, Sendable, CaseIterable {
        case hs256, hs384, hs512
        case rs256, rs384, rs512
        case ps256, ps384, ps512
        case es256, es384, es512
        case eddsa
    }

    let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// HMAC with SHA-256.
    public static let hs256 = Self(.hs256)
    /// HMAC with SHA-384.
    public static let hs384 = Self(.hs384)
    /// HMAC with SHA-512.
    public static let hs512 = Self(.hs512)
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    public static let rs256 = Self(.rs256)
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    public static let rs384 = Self(.rs384)
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    public static let rs512 = Self(.rs512)
    /// RSASSA-PSS with SHA-256.
    public static let ps256 = Self(.ps256)
    /// RSASSA-PSS with SHA-384.
    public static let ps384 = Self(.ps384)
    /// RSASSA-PSS with SHA-512.
    public static let ps512 = Self(.ps512)
    /// ECDSA with P-256 and SHA-256.
    public static let es256 = Self(.es256)
    /// ECDSA with P-384 and SHA-384.
    public static let es384 = Self(.es384)
    /// ECDSA with P-521 and SHA-512 (the curve is P-521, not P-512).
    public static let es512 = Self(.es512)
    /// Ed25519 (RFC 8037).
    public static let eddsa = Self(.eddsa)

    /// Every supported algorithm: the HMAC, RSA PKCS#1, RSA-PSS and ECDSA families, then EdDSA.
    public static let allCases: [JWSAlgorithm] = Kind.allCases.map(Self.init)

    /// The registered name, as it appears in `alg`.
    public var name: String {
        switch self.kind {
        case .hs256: "HS256"
        case .hs384: "HS384"
        case .hs512: "HS512"
        case .rs256: "RS256"
        case .rs384: "RS384"
        case .rs512: "RS512"
        case .ps256: "PS256"
        case .ps384: "PS384"
        case .ps512: "PS512"
        case .es256: "ES256"
        case .es384: "ES384"
        case .es512: "ES512"
        case .eddsa: "EdDSA"
        }
    }

    /// The registered name, the same as ``name``.
    public var description: String { self.name }

    /// The algorithm with this registered name (case-sensitive, as RFC 7515 requires), or nil.
    public init?(name: some StringProtocol) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// The key type (`kty`) this algorithm needs.
    public var keyType: String {
        switch self.kind {
        case .hs256, .hs384, .hs512: "oct"
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: "RSA"
        case .es256, .es384, .es512: "EC"
        case .eddsa: "OKP"
        }
    }

    /// True for the HMAC algorithms, whose key is a shared secret.
    public var isSymmetric: Bool { self.keyType == "oct" }

    /// Looks the algorithm up from the raw bytes of an `alg` value without allocating.
    static func lookUp(_ bytes: UnsafeRawBufferPointer) -> JWSAlgorithm? {
        // Every registered name is 5 bytes long.
        guard bytes.count == 5 else { return nil }
        let family = (bytes[0], bytes[1])
        let size = (bytes[2], bytes[3], bytes[4])
        let bits: Int
        switch size {
        case (UInt8(ascii: "2"), UInt8(ascii: "5"), UInt8(ascii: "6")): bits = 256
        case (UInt8(ascii: "3"), UInt8(ascii: "8"), UInt8(ascii: "4")): bits = 384
        case (UInt8(ascii: "5"), UInt8(ascii: "1"), UInt8(ascii: "2")): bits = 512
        case (UInt8(ascii: "D"), UInt8(ascii: "S"), UInt8(ascii: "A")):
            return family == (UInt8(ascii: "E"), UInt8(ascii: "d")) ? .eddsa : nil
        default: return nil
        }
        let sizeIndex: UInt8 = bits == 256 ? 0 : (bits == 384 ? 1 : 2)
        let familyIndex: UInt8
        switch family {
        case (UInt8(ascii: "H"), UInt8(ascii: "S")): familyIndex = 0
        case (UInt8(ascii: "R"), UInt8(ascii: "S")): familyIndex = 1
        case (UInt8(ascii: "P"), UInt8(ascii: "S")): familyIndex = 2
        case (UInt8(ascii: "E"), UInt8(ascii: "S")): familyIndex = 3
        default: return nil
        }
        // `Kind` lists the families in this order, three sizes each.
        return Kind(rawValue: familyIndex * 3 + sizeIndex).map(Self.init)
    }
}
