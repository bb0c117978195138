import Foundation

/// The `exp` and `iat` of a JWT, read without verifying anything.
///
/// The client uses them only to schedule refreshes (the token's lifetime sizes the refresh
/// margin; `exp` stands in when a server leaves out `expires_in`). They are never used for a
/// security decision: the server verifies every token it receives, and a token that is not a
/// JWT at all just leaves these `nil`. Reading is tolerant on purpose (padding or not,
/// fractional or string numbers) because the worst outcome of a misread is an early refresh.
struct UnverifiedTokenTimes: Sendable, Equatable {
    var expiresAt: Date?
    var issuedAt: Date?

    /// `exp − iat`: how long the token was issued for. Unlike `exp` alone this does not depend
    /// on the device's clock agreeing with the server's.
    var lifetime: TimeInterval? {
        guard let expiresAt, let issuedAt, expiresAt > issuedAt else { return nil }
        return expiresAt.timeIntervalSince(issuedAt)
    }

    init(expiresAt: Date?, issuedAt: Date?) {
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
    }

    /// Reads the payload of a compact JWS; `nil` when `token` is not one or has neither claim.
    init?(token: String) {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let payload = Self.base64URLDecode(segments[1]),
            let claims = try? JSONDecoder().decode(Claims.self, from: payload),
            claims.exp != nil || claims.iat != nil
        else { return nil }
        self.expiresAt = claims.exp.map { Date(timeIntervalSince1970: $0) }
        self.issuedAt = claims.iat.map { Date(timeIntervalSince1970: $0) }
    }

    static func base64URLDecode(_ segment: Substring) -> Data? {
        var base64 = String(segment).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 = base64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
        let remainder = base64.utf8.count % 4
        guard remainder != 1 else { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }

    private struct Claims: Decodable {
        var exp: Double?
        var iat: Double?

        enum CodingKeys: String, CodingKey { case exp, iat }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.exp = FlexibleNumber.decode(container, .exp)
            self.iat = FlexibleNumber.decode(container, .iat)
        }
    }
}
