#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A JWT whose signature, header and claims passed verification.
public struct VerifiedJWT: Sendable {
    /// The protected header.
    public let header: JOSEHeader
    /// The registered claims, already checked against the policy.
    public let claims: JWTClaims
    /// The payload exactly as signed (UTF-8 JSON).
    public let payload: [UInt8]

    /// All claims that ``JWTClaims`` does not model, parsed from the payload.
    public func additionalClaims() throws(JWTAuthError) -> [String: JSONValue] {
        guard let members = try JSONValue(parsingBytes: self.payload).objectValue else { return [:] }
        return members.filter { !JWTClaims.registeredNames.contains($0.key) }
    }

    /// One claim by name, parsed from the payload; nil when absent.
    public func claim(_ name: String) -> JSONValue? {
        (try? JSONValue(parsingBytes: self.payload))?.objectValue?[name]
    }

    /// Decodes the payload into your own claims type with `JSONDecoder`.
    ///
    /// The payload was already checked by the strict reader (no duplicate members, valid
    /// UTF-8), so the decoder sees exactly what was verified.
    public func decode<Claims: Decodable>(_ type: Claims.Type, using decoder: JSONDecoder = JSONDecoder()) throws -> Claims {
        try decoder.decode(type, from: Data(self.payload))
    }
}

/// A JWS whose header and signature were verified, with its payload as raw bytes.
///
/// Returned by ``JWTVerifier/verifyJWS(_:)``, which applies no claims policy: the payload can
/// be anything (RFC 7515 examples carry plain text).
public struct VerifiedJWS: Sendable {
    /// The protected header.
    public let header: JOSEHeader
    /// The payload octets.
    public let payload: [UInt8]
}
