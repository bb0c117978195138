#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
        let required = policy.requiredClaimNames
        guard required.count <= 64 else {
            throw JWTAuthError(.claimInvalid, "at most 64 claims can be required")
        }
        var json = JSONReader(bytes, maxDepth: policy.maximumNestingDepth)
        do throws(JSONReader.Failure) {
            try json.readObject(allowingNonFiniteMembers: true) { name, value in
                self.record(name, value)
                // Packed words and lengths decide names up to 16 bytes; longer ones compare bytes.
                for (index, claim) in required.enumerated()
                where claim.length == name.length && claim.word0 == name.word0 && claim.word1 == name.word1
                    && (claim.length <= 16 || Self.name(name.ref, in: bytes, equals: claim.bytes))
                {
                    self.requiredFound |= 1 << UInt64(index)
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

    /// Notes a registered claim. Names are matched by length and packed bytes
    /// (JSONReader.MemberName), which also covers escaped spellings.
    private mutating func record(_ name: JSONReader.MemberName, _ value: JSONReader.Value) {
        var isDate = false
        switch (name.length, name.word0) {
        case (3, 0x70_7865):  // "exp"
            self.exp = value
            isDate = true
        case (3, 0x74_6169):  // "iat"
            self.iat = value
            isDate = true
        case (3, 0x66_626e):  // "nbf"
            self.nbf = value
            isDate = true
        case (3, 0x62_7573): self.sub = value  // "sub"
        case (3, 0x73_7369): self.iss = value  // "iss"
        case (3, 0x64_7561): self.aud = value  // "aud"
        case (3, 0x69_746a): self.jti = value  // "jti"
        case (3, 0x64_6973): self.sid = value  // "sid"
        case (5, 0x65_706f_6373): self.scope = value  // "scope"
        case (5, 0x73_656c_6f72): self.roles = value  // "roles"
        case (9, 0x695f_746e_6569_6c63) where name.word1 == 0x64: self.clientID = value  // "client_id"
        default: break
        }
        if case .nonFinite = value, !isDate { self.misplacedNonFinite = true }
    }

    private func evaluate(
        _ bytes: UnsafeRawBufferPointer,
        policy: JWTValidationPolicy,
        now: NumericDate
    ) throws(JWTAuthError) -> JWTClaims {
        // Types and ranges.
        let issuer = try Self.string(self.iss, "iss", in: bytes, reusing: policy.issuer, expectedBytes: policy.issuerBytes)
        // Exact code points (RFC 7519 §7.3), compared as bytes: Swift's `==` on the String
        // would also accept canonically equivalent spellings.
        var issuerMatches = false
        if let expected = policy.issuerBytes, case .string(let ref)? = self.iss {
            issuerMatches = Self.bytes(ref, in: bytes, equal: expected)
        }
        let subject = try Self.identifier(self.sub, "sub", in: bytes)
        let (audience, audienceAccepted) = try Self.audience(self.aud, in: bytes, policy: policy)
        let expiresAt = try Self.date(self.exp, "exp", in: bytes)
        let notBefore = try Self.date(self.nbf, "nbf", in: bytes)
        let issuedAt = try Self.date(self.iat, "iat", in: bytes)
        let tokenID = try Self.identifier(self.jti, "jti", in: bytes)
        let sessionID = try Self.identifier(self.sid, "sid", in: bytes)
        let clientID = try Self.identifier(self.clientID, "client_id", in: bytes)
        let scope = try Self.string(self.scope, "scope", in: bytes)
        let roles = try Self.stringArray(self.roles, "roles", in: bytes)

        // Presence.
        if policy.requiresExpiration, expiresAt == nil {
            throw JWTAuthError(.claimMissing, "the token has no exp claim")
        }
        let required = policy.requiredClaims
        if !required.isEmpty, self.requiredFound != (required.count == 64 ? ~0 : (1 << UInt64(required.count)) - 1) {
            let missing = required.enumerated().first { self.requiredFound & (1 << UInt64($0.offset)) == 0 }
            throw JWTAuthError(.claimMissing, "the token has no \(missing?.element ?? "required") claim")
        }
        if policy.maximumAge != nil, issuedAt == nil {
            throw JWTAuthError(.claimMissing, "the token has no iat claim, so its age cannot be checked")
        }
        if policy.issuer != nil, issuer == nil {
            throw JWTAuthError(.claimMissing, "the token has no iss claim")
        }
        if policy.audiences != nil, audience == nil {
            throw JWTAuthError(.claimMissing, "the token has no aud claim")
        }

        try Self.checkTimes(expiresAt: expiresAt, notBefore: notBefore, issuedAt: issuedAt, policy: policy, now: now)

        // Issuer and audience.
        if policy.issuer != nil, !issuerMatches {
            throw JWTAuthError(.issuerInvalid, "the token was not issued by the expected issuer")
        }
        if policy.audiences != nil, !audienceAccepted {
            throw JWTAuthError(.audienceInvalid, "the token is not meant for this audience")
        }
        return JWTClaims(
            issuer: issuer,
            subject: subject,
            audience: audience,
            expiresAt: expiresAt,
            notBefore: notBefore,
            issuedAt: issuedAt,
            tokenID: tokenID,
            sessionID: sessionID,
            clientID: clientID,
            scope: scope,
            roles: roles
        )
    }

    // MARK: - Typed members

    private static func name(_ ref: JSONReader.StringRef, in bytes: UnsafeRawBufferPointer, equals claim: [UInt8]) -> Bool {
        if ref.hasEscapes {
            return JSONReader.unescapedBytes(ref, in: bytes) == claim
        }
        return bytes[ref.start..<ref.end].elementsEqual(claim)
    }

    /// A string claim; when it equals `expected`, that string is reused instead of allocating.
    private static func string(
        _ value: JSONReader.Value?,
        _ name: StaticString,
        in bytes: UnsafeRawBufferPointer,
        reusing expected: String? = nil,
        expectedBytes: [UInt8]? = nil
    ) throws(JWTAuthError) -> String? {
        guard let value else { return nil }
        guard case .string(let ref) = value else {
            throw JWTAuthError(.claimInvalid, "the \(name) claim must be a string")
        }
        if let expected, let expectedBytes, Self.bytes(ref, in: bytes, equal: expectedBytes) { return expected }
        return JSONReader.string(ref, in: bytes)
    }

    /// True when a string's code points (after unescaping) are exactly `expected`'s bytes —
    /// RFC 7519 §7.3's comparison, without Unicode normalization.
    @inline(__always)
    private static func bytes(_ ref: JSONReader.StringRef, in bytes: UnsafeRawBufferPointer, equal expected: [UInt8]) -> Bool {
        if ref.hasEscapes { return JSONReader.unescapedBytes(ref, in: bytes) == expected }
        guard ref.end - ref.start == expected.count, let base = bytes.baseAddress else { return false }
        return expected.withUnsafeBytes { other in
            guard let otherBase = other.baseAddress else { return expected.isEmpty }
            return memcmp(base + ref.start, otherBase, expected.count) == 0
        }
    }

    /// An identifier claim: a non-empty string.
    private static func identifier(_ value: JSONReader.Value?, _ name: StaticString, in bytes: UnsafeRawBufferPointer) throws(JWTAuthError) -> String? {
        guard let string = try Self.string(value, name, in: bytes, reusing: nil) else { return nil }
        guard !string.isEmpty else { throw JWTAuthError(.claimInvalid, "the \(name) claim must not be empty") }
        return string
    }

    /// The audience, and whether it contains one the policy accepts.
    private static func audience(
        _ value: JSONReader.Value?,
        in bytes: UnsafeRawBufferPointer,
        policy: JWTValidationPolicy
    ) throws(JWTAuthError) -> ([String]?, Bool) {
        guard let value else { return (nil, false) }
        switch value {
        case .string(let ref):
            // The common case: one audience, matched by bytes, its array prepared in the policy.
            for entry in policy.audienceEntries where Self.bytes(ref, in: bytes, equal: entry.bytes) {
                return (entry.list, true)
            }
            return ([JSONReader.string(ref, in: bytes)], false)
        case .array:
            let list = try Self.stringArray(value, "aud", in: bytes) ?? []
            let accepted = list.contains { candidate in
                policy.audienceEntries.contains { $0.bytes.elementsEqual(candidate.utf8) }
            }
            return (list, accepted)
        default:
            throw JWTAuthError(.claimInvalid, "the aud claim must be a string or an array of strings")
        }
    }

    private static func stringArray(_ value: JSONReader.Value?, _ name: StaticString, in bytes: UnsafeRawBufferPointer) throws(JWTAuthError) -> [String]? {
        guard let value else { return nil }
        // The payload was validated as a whole already; the array is read in place.
        guard case .array(let range) = value else {
            throw JWTAuthError(.claimInvalid, "the \(name) claim must be an array of strings")
        }
        var reader = JSONReader(UnsafeRawBufferPointer(rebasing: bytes[range.start..<range.end]), maxDepth: 1)
        guard let strings = try? reader.readStringArray() else {
            throw JWTAuthError(.claimInvalid, "the \(name) claim must be an array of strings")
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

    /// The time rules: `exp` (RFC 7519 §4.1.4: expired once now ≥ exp + leeway), `nbf`, `iat`
    /// not in the future, and the policy's maximum age. Also run on every use of a cached
    /// verification, because time moves on while the signature stays valid.
    static func checkTimes(
        expiresAt: NumericDate?,
        notBefore: NumericDate?,
        issuedAt: NumericDate?,
        policy: JWTValidationPolicy,
        now: NumericDate
    ) throws(JWTAuthError) {
        let leeway = policy.leeway.seconds
        let nowSeconds = now.secondsSinceEpoch
        if let exp = expiresAt, nowSeconds >= exp.secondsSinceEpoch + leeway {
            throw JWTAuthError(.expired, "the token expired at \(exp)")
        }
        if let nbf = notBefore, nowSeconds + leeway < nbf.secondsSinceEpoch {
            throw JWTAuthError(.notYetValid, "the token is not valid before \(nbf)")
        }
        if let iat = issuedAt, iat.secondsSinceEpoch > nowSeconds + leeway {
            throw JWTAuthError(.issuedInFuture, "the token was issued in the future (\(iat))")
        }
        if let maximumAge = policy.maximumAge, let iat = issuedAt {
            let limit = maximumAge.seconds
            if nowSeconds - iat.secondsSinceEpoch > limit + leeway {
                throw JWTAuthError(.tooOld, "the token was issued more than \(Int(limit)) s ago")
            }
            if let exp = expiresAt, exp.secondsSinceEpoch - iat.secondsSinceEpoch > limit {
                throw JWTAuthError(.tooOld, "the token was issued to live longer than \(Int(limit)) s")
            }
        }
    }
}
