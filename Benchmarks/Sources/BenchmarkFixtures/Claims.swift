import Foundation
import JWTAuth
import JWTKit

/// The claims every benchmark signs and verifies: a typical OAuth 2.0 access token (RFC 9068),
/// 211 bytes of JSON.
public enum Claims {
    public static let issuer = "https://id.example.com"
    public static let audience = "api"
    public static let subject = "u_2b7f9c41"
    public static let tokenID = "3f2b8c1e-9a4d-4e7b-8c6f-1d2e3f4a5b6c"
    public static let sessionID = "s_7d1e0a94"
    public static let clientID = "web"
    public static let scope = "read"
    /// 2100-01-01: far enough that no benchmark ever sees an expired token.
    public static let expiresAt: Int64 = 4_102_444_800
    public static let issuedAt: Int64 = 1_767_225_600

    public static let jwtAuth = JWTClaims(
        issuer: issuer,
        subject: subject,
        audience: [audience],
        expiresAt: NumericDate(expiresAt),
        notBefore: NumericDate(issuedAt),
        issuedAt: NumericDate(issuedAt),
        tokenID: tokenID,
        sessionID: sessionID,
        clientID: clientID,
        scope: scope
    )

    public static let jwtKit = AccessTokenPayload(
        iss: IssuerClaim(value: issuer),
        sub: SubjectClaim(value: subject),
        aud: AudienceClaim(value: [audience]),
        exp: ExpirationClaim(value: Date(timeIntervalSince1970: TimeInterval(expiresAt))),
        nbf: NotBeforeClaim(value: Date(timeIntervalSince1970: TimeInterval(issuedAt))),
        iat: IssuedAtClaim(value: Date(timeIntervalSince1970: TimeInterval(issuedAt))),
        jti: IDClaim(value: tokenID),
        sid: sessionID,
        clientID: clientID,
        scope: scope
    )

    /// JWTAuth's policy: signature with the one key of the set (its algorithm only), `typ`
    /// `at+jwt`, `iss`, `aud`, `exp` required and not passed, `nbf` and `iat` not in the future
    /// (60 s leeway), plus the structural checks it always does (size cap, strict base64url
    /// and JSON, duplicate members, `crit`).
    public static let jwtAuthPolicy = JWTValidationPolicy(
        issuer: issuer,
        audiences: [audience],
        types: [JWTValidationPolicy.accessTokenType]
    )
}

/// The same claims as a jwt-kit payload. Its `verify(using:)` applies what jwt-kit leaves to
/// the application: `exp`, `nbf`, `iat`, `iss` and `aud`, with the same 60 s leeway as
/// JWTAuth's default. jwt-kit has no hook that sees the header, so `typ` goes unchecked there.
public struct AccessTokenPayload: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim
    public var iat: IssuedAtClaim
    public var jti: IDClaim
    public var sid: String
    public var clientID: String
    public var scope: String

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, nbf, iat, jti, sid
        case clientID = "client_id"
        case scope
    }

    public func verify(using _: some JWTAlgorithm) async throws {
        let now = Date()
        try self.exp.verifyNotExpired(currentDate: now.addingTimeInterval(-60))
        try self.nbf.verifyNotBefore(currentDate: now.addingTimeInterval(60))
        guard self.iat.value <= now.addingTimeInterval(60) else {
            throw JWTError.claimVerificationFailure(failedClaim: self.iat, reason: "issued in the future")
        }
        guard self.iss.value == Claims.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: self.iss, reason: "unexpected issuer")
        }
        try self.aud.verifyIntendedAudience(includes: Claims.audience)
    }
}
