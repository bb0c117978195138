/// The decoded segments of a compact JWS whose signature has NOT been checked.
///
/// For inspection and debugging only (`jwtauth token decode`): nothing in it is trustworthy.
/// The segments are still decoded strictly (three segments, canonical base64url).
public struct UnverifiedJWS: Sendable {
    /// The protected header octets (normally UTF-8 JSON).
    public let header: [UInt8]
    /// The payload octets.
    public let payload: [UInt8]
    /// The signature octets.
    public let signature: [UInt8]

    /// Splits and decodes a compact JWS without verifying anything.
    ///
    /// - Throws: `too_large` or `malformed`.
    public init(decoding token: String, maximumBytes: Int = 1 << 20) throws(JWTAuthError) {
        guard token.utf8.count <= maximumBytes else {
            throw JWTAuthError(.tooLarge, "the token is \(token.utf8.count) bytes; at most \(maximumBytes) are accepted")
        }
        let segments = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw .malformed("a compact JWS has 3 segments; this token has \(segments.count)")
        }
        var decoded: [[UInt8]] = []
        for (segment, name) in zip(segments, ["header", "payload", "signature"]) {
            guard let bytes = Base64URL.decode(String(decoding: segment, as: UTF8.self)) else {
                throw .malformed("the \(name) segment is not canonical base64url")
            }
            decoded.append(bytes)
        }
        self.header = decoded[0]
        self.payload = decoded[1]
        self.signature = decoded[2]
    }
}
