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
    let storage: Payload

    /// Where the payload is kept: the token's own base64url segment (decoded on demand), or
    /// the decoded bytes.
    enum Payload: Sendable {
        case segment(Substring, Range<Int>)
        case bytes([UInt8])
    }

    /// The payload exactly as signed (UTF-8 JSON).
    public var payload: [UInt8] {
        switch self.storage {
        case .bytes(let bytes):
            return bytes
        case .segment(let token, let range):
            let utf8 = token.utf8
            let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
            let end = utf8.index(utf8.startIndex, offsetBy: range.upperBound)
            // The segment was decoded once already, during verification.
            return Base64URL.decode(Substring(utf8[start..<end])) ?? []
        }
    }

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
