/// Reads the registered claims out of a verified payload in one pass, checking their JSON
/// types and applying a ``JWTValidationPolicy``.
///
/// The order of the checks is part of the contract (the error code names the rule):
/// JSON object (`malformed`) → claim types and ranges (`claim_invalid`) → required claims
/// (`claim_missing`) → `exp` (`expired`) → `nbf` (`not_yet_valid`) → `iat`
/// (`issued_in_future`) → maximum age (`too_old`) → `iss` (`issuer_invalid`) → `aud`
/// (`audience_invalid`).
struct ClaimsReader {
    private var iss: JSONReader.Value?
    private var sub: JSONReader.Value?
    private var aud: JSONReader.Value?
    private var exp: JSONReader.Value?
    private var nbf: JSONReader.Value?
    private var iat: JSONReader.Value?
    private var jti: JSONReader.Value?
    private var sid: JSONReader.Value?
    private var clientID: JSONReader.Value?
    private var scope: JSONReader.Value?
    private var roles: JSONReader.Value?
    /// Bit i is set when `policy.requiredClaims[i]` is present.
    private var requiredFound: UInt64 = 0
    private var misplacedNonFinite = false

    /// Parses and checks `payload` against `policy` at time `now`.
    static func read(
        _ payload: UnsafeRawBufferPointer,
        policy: JWTValidationPolicy,
        now: NumericDate
    ) throws(JWTAuthError) -> JWTClaims {
        var reader = ClaimsReader()
        try reader.scan(payload, policy: policy)
        return try reader.evaluate(payload, policy: policy, now: now)
    }

    private mutating func scan(_ bytes: UnsafeRawBufferPointer, policy: JWTValidationPolicy) throws(JWTAuthError) {
        let required = policy.requiredClaims
        guard required.count <= 64 else {
            throw JWTAuthError(.claimInvalid, "at most 64 claims can be required")
        }
        var json = JSONReader(bytes, maxDepth: policy.maximumNestingDepth)
        do throws(JSONReader.Failure) {
            try json.readObject(allowingNonFiniteMembers: true) { name, value in
                self.record(name, value, in: bytes)
                if !required.isEmpty {
                    for (index, claim) in required.enumerated() where Self.name(name, in: bytes, equals: claim) {
                        self.requiredFound |= 1 << UInt64(index)
                    }
                }
            }
        } catch .notAnObject {
            throw .malformed("the payload is not a JSON object, so it is not a JWT claims set")
        } catch {
            throw .malformed("the payload is not a valid JSON object: \(error)")
        }
        if self.misplacedNonFinite {
            throw .malformed("the payload holds NaN or Infinity, which JSON does not have")
        }
    }

    private mutating func record(_ name: JSONReader.StringRef, _ value: JSONReader.Value, in bytes: UnsafeRawBufferPointer) {
        var isDate = false
        if name.hasEscapes {
            switch String(decoding: JSONReader.unescapedBytes(name, in: bytes), as: UTF8.self) {
            case "iss": self.iss = value
            case "sub": self.sub = value
            case "aud": self.aud = value
            case "exp": self.exp = value; isDate = true
            case "nbf": self.nbf = value; isDate = true
            case "iat": self.iat = value; isDate = true
            case "jti": self.jti = value
            case "sid": self.sid = value
            case "client_id": self.clientID = value
            case "scope": self.scope = value
            case "roles": self.roles = value
            default: break
            }
        } else {
            switch name.end - name.start {
            case 3:
                if JSONReader.string(name, in: bytes, equals: "exp") { self.exp = value; isDate = true }
                else if JSONReader.string(name, in: bytes, equals: "iat") { self.iat = value; isDate = true }
                else if JSONReader.string(name, in: bytes, equals: "sub") { self.sub = value }
                else if JSONReader.string(name, in: bytes, equals: "iss") { self.iss = value }
                else if JSONReader.string(name, in: bytes, equals: "aud") { self.aud = value }
                else if JSONReader.string(name, in: bytes, equals: "nbf") { self.nbf = value; isDate = true }
                else if JSONReader.string(name, in: bytes, equals: "jti") { self.jti = value }
                else if JSONReader.string(name, in: bytes, equals: "sid") { self.sid = value }
            case 5:
                if JSONReader.string(name, in: bytes, equals: "scope") { self.scope = value }
                else if JSONReader.string(name, in: bytes, equals: "roles") { self.roles = value }
            case 9:
                if JSONReader.string(name, in: bytes, equals: "client_id") { self.clientID = value }
            default:
                break
            }
        }
        if case .nonFinite = value, !isDate { self.misplacedNonFinite = true }
    }

    private func evaluate(
        _ bytes: UnsafeRawBufferPointer,
        policy: JWTValidationPolicy,
        now: NumericDate
    ) throws(JWTAuthError) -> JWTClaims {
        // Types and ranges.
        var claims = JWTClaims()
        claims.issuer = try Self.string(self.iss, "iss", in: bytes, reusing: policy.issuer)
        claims.subject = try Self.identifier(self.sub, "sub", in: bytes)
        claims.audience = try Self.audience(self.aud, in: bytes, reusing: policy.audiences)
        claims.expiresAt = try Self.date(self.exp, "exp", in: bytes)
        claims.notBefore = try Self.date(self.nbf, "nbf", in: bytes)
        claims.issuedAt = try Self.date(self.iat, "iat", in: bytes)
        claims.tokenID = try Self.identifier(self.jti, "jti", in: bytes)
        claims.sessionID = try Self.identifier(self.sid, "sid", in: bytes)
        claims.clientID = try Self.identifier(self.clientID, "client_id", in: bytes)
        claims.scope = try Self.string(self.scope, "scope", in: bytes, reusing: nil)
        claims.roles = try Self.stringArray(self.roles, "roles", in: bytes)

        // Presence.
        if policy.requiresExpiration, claims.expiresAt == nil {
            throw JWTAuthError(.claimMissing, "the token has no exp claim")
        }
        let required = policy.requiredClaims
        if !required.isEmpty, self.requiredFound != (required.count == 64 ? ~0 : (1 << UInt64(required.count)) - 1) {
            let missing = required.enumerated().first { self.requiredFound & (1 << UInt64($0.offset)) == 0 }
            throw JWTAuthError(.claimMissing, "the token has no \(missing?.element ?? "required") claim")
        }
        if policy.maximumAge != nil, claims.issuedAt == nil {
            throw JWTAuthError(.claimMissing, "the token has no iat claim, so its age cannot be checked")
        }
        if policy.issuer != nil, claims.issuer == nil {
            throw JWTAuthError(.claimMissing, "the token has no iss claim")
        }
        if policy.audiences != nil, claims.audience == nil {
            throw JWTAuthError(.claimMissing, "the token has no aud claim")
        }

        // Time. A token is expired once now >= exp (+ leeway), RFC 7519 §4.1.4.
        let leeway = policy.leeway.seconds
        let nowSeconds = now.secondsSinceEpoch
        if let exp = claims.expiresAt, nowSeconds >= exp.secondsSinceEpoch + leeway {
            throw JWTAuthError(.expired, "the token expired at \(exp)")
        }
        if let nbf = claims.notBefore, nowSeconds + leeway < nbf.secondsSinceEpoch {
            throw JWTAuthError(.notYetValid, "the token is not valid before \(nbf)")
        }
        if let iat = claims.issuedAt, iat.secondsSinceEpoch > nowSeconds + leeway {
            throw JWTAuthError(.issuedInFuture, "the token was issued in the future (\(iat))")
        }
        if let maximumAge = policy.maximumAge, let iat = claims.issuedAt {
            let limit = maximumAge.seconds
            if nowSeconds - iat.secondsSinceEpoch > limit + leeway {
                throw JWTAuthError(.tooOld, "the token was issued more than \(Int(limit)) s ago")
            }
            if let exp = claims.expiresAt, exp.secondsSinceEpoch - iat.secondsSinceEpoch > limit {
                throw JWTAuthError(.tooOld, "the token was issued to live longer than \(Int(limit)) s")
            }
        }

        // Issuer and audience.
        if let expected = policy.issuer, claims.issuer != expected {
            throw JWTAuthError(.issuerInvalid, "the token was not issued by the expected issuer")
        }
        if let accepted = policy.audiences, !(claims.audience ?? []).contains(where: accepted.contains) {
            throw JWTAuthError(.audienceInvalid, "the token is not meant for this audience")
        }
        return claims
    }

    // MARK: - Typed members

    private static func name(_ ref: JSONReader.StringRef, in bytes: UnsafeRawBufferPointer, equals claim: String) -> Bool {
        if ref.hasEscapes {
            return JSONReader.unescapedBytes(ref, in: bytes).elementsEqual(claim.utf8)
        }
        guard ref.end - ref.start == claim.utf8.count else { return false }
        return bytes[ref.start..<ref.end].elementsEqual(claim.utf8)
    }

    /// A string claim; when it equals `expected`, that string is reused instead of allocating.
    private static func string(
        _ value: JSONReader.Value?,
        _ name: StaticString,
        in bytes: UnsafeRawBufferPointer,
        reusing expected: String?
    ) throws(JWTAuthError) -> String? {
        guard let value else { return nil }
        guard case .string(let ref) = value else {
            throw JWTAuthError(.claimInvalid, "the \(name) claim must be a string")
        }
        if let expected, Self.name(ref, in: bytes, equals: expected) { return expected }
        return JSONReader.string(ref, in: bytes)
    }

    /// An identifier claim: a non-empty string.
    private static func identifier(_ value: JSONReader.Value?, _ name: StaticString, in bytes: UnsafeRawBufferPointer) throws(JWTAuthError) -> String? {
        guard let string = try Self.string(value, name, in: bytes, reusing: nil) else { return nil }
        guard !string.isEmpty else { throw JWTAuthError(.claimInvalid, "the \(name) claim must not be empty") }
        return string
    }

    private static func audience(
        _ value: JSONReader.Value?,
        in bytes: UnsafeRawBufferPointer,
        reusing accepted: Set<String>?
    ) throws(JWTAuthError) -> [String]? {
        guard let value else { return nil }
        switch value {
        case .string(let ref):
            if let accepted, let match = accepted.first(where: { Self.name(ref, in: bytes, equals: $0) }) {
                return [match]
            }
            return [JSONReader.string(ref, in: bytes)]
        case .array:
            return try Self.stringArray(value, "aud", in: bytes)
        default:
            throw JWTAuthError(.claimInvalid, "the aud claim must be a string or an array of strings")
        }
    }

    private static func stringArray(_ value: JSONReader.Value?, _ name: StaticString, in bytes: UnsafeRawBufferPointer) throws(JWTAuthError) -> [String]? {
        guard let value else { return nil }
        guard case .array(let range) = value,
            let elements = try? JSONValue(parsingBytes: Array(bytes[range])).arrayValue
        else {
            throw JWTAuthError(.claimInvalid, "the \(name) claim must be an array of strings")
        }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard let string = element.stringValue else {
                throw JWTAuthError(.claimInvalid, "the \(name) claim must be an array of strings")
            }
            strings.append(string)
        }
        return strings
    }

    /// A NumericDate: a JSON number (fractions allowed) within the `Int64` range.
    private static func date(_ value: JSONReader.Value?, _ name: StaticString, in bytes: UnsafeRawBufferPointer) throws(JWTAuthError) -> NumericDate? {
        guard let value else { return nil }
        guard case .number(let range) = value else {
            throw JWTAuthError(.claimInvalid, "the \(name) claim must be a JSON number of seconds")
        }
        if let integer = JSONReader.int64(range, in: bytes) {
            return NumericDate(integer)
        }
        // Not an Int64 literal: a fraction, an exponent, or out of range.
        guard let double = JSONReader.double(range, in: bytes),
            double >= -9.223372036854775808e18, double < 9.223372036854775808e18
        else {
            throw JWTAuthError(.claimInvalid, "the \(name) claim is outside the range of a NumericDate")
        }
        return NumericDate(secondsSinceEpoch: double)
    }
}
