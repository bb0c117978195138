/// Signs JWTs (and raw JWS payloads) with one private key.
///
/// The header carries the key's `alg` and `kid`, and `typ` when given. The claims are
/// serialized directly to compact JSON — no `JSONEncoder` on the hot path.
public struct JWTSigner: Sendable {
    /// The signing key.
    public let key: JWTKey

    /// - Throws: `key_invalid` when the key cannot sign (a public key, or `key_ops` without
    ///   `sign`).
    public init(key: JWTKey) throws(JWTAuthError) {
        guard key.canSign else {
            throw .keyInvalid(key.isPrivate ? "the key's use or key_ops do not allow signing" : "a public key cannot sign")
        }
        self.key = key
    }

    /// Signs a claims set.
    ///
    /// - Parameters:
    ///   - claims: The registered claims.
    ///   - additionalClaims: Any other claims. Names that ``JWTClaims`` models are refused, so
    ///     a claim can never be given twice.
    ///   - type: The `typ` header, e.g. `at+jwt`; nil leaves it out.
    /// - Returns: The compact JWS.
    public func sign(
        _ claims: JWTClaims,
        additionalClaims: [String: JSONValue] = [:],
        type: String? = "JWT"
    ) throws(JWTAuthError) -> String {
        var writer = JSONWriter(capacity: 320)
        try Self.write(claims, additionalClaims, into: &writer)
        return try writer.bytes.withUnsafeBytesTyped { (payload) throws(JWTAuthError) -> String in
            try self.signJWS(payload: payload, type: type, contentType: nil)
        }
    }

    /// Signs arbitrary payload bytes as a compact JWS. Prefer ``sign(_:additionalClaims:type:)``
    /// for JWTs.
    public func signJWS(payload: [UInt8], type: String? = nil, contentType: String? = nil) throws(JWTAuthError) -> String {
        try payload.withUnsafeBytesTyped { (bytes) throws(JWTAuthError) -> String in
            try self.signJWS(payload: bytes, type: type, contentType: contentType)
        }
    }

    func signJWS(payload: UnsafeRawBufferPointer, type: String?, contentType: String?) throws(JWTAuthError) -> String {
        var header = JSONWriter(capacity: 96)
        header.raw("{\"alg\":")
        header.string(self.key.algorithm.name)
        if let keyID = self.key.keyID {
            header.raw(",\"kid\":")
            header.string(keyID)
        }
        if let type {
            header.raw(",\"typ\":")
            header.string(type)
        }
        if let contentType {
            header.raw(",\"cty\":")
            header.string(contentType)
        }
        header.byte(UInt8(ascii: "}"))

        var token: [UInt8] = []
        token.reserveCapacity(
            Base64URL.encodedCount(forDecodedCount: header.bytes.count)
                + Base64URL.encodedCount(forDecodedCount: payload.count)
                + Base64URL.encodedCount(forDecodedCount: self.key.signatureByteCount) + 2
        )
        header.bytes.withUnsafeBytes { Base64URL.encode($0, appendingTo: &token) }
        token.append(UInt8(ascii: "."))
        Base64URL.encode(payload, appendingTo: &token)
        let signature = try token.withUnsafeBytesTyped { (input) throws(JWTAuthError) -> [UInt8] in
            try self.key.signature(for: input)
        }
        token.append(UInt8(ascii: "."))
        signature.withUnsafeBytes { Base64URL.encode($0, appendingTo: &token) }
        return String(decoding: token, as: UTF8.self)
    }

    static func write(_ claims: JWTClaims, _ additional: [String: JSONValue], into writer: inout JSONWriter) throws(JWTAuthError) {
        writer.byte(UInt8(ascii: "{"))
        var first = true
        func separator(_ writer: inout JSONWriter) {
            if first { first = false } else { writer.byte(UInt8(ascii: ",")) }
        }
        func date(_ name: StaticString, _ value: NumericDate?, _ writer: inout JSONWriter) throws(JWTAuthError) {
            guard let value else { return }
            guard value.secondsSinceEpoch.isFinite else { throw .claimInvalid("the \(name) claim must be finite") }
            separator(&writer)
            writer.key(name)
            writer.double(value.secondsSinceEpoch)
        }
        func string(_ name: StaticString, _ value: String?, _ writer: inout JSONWriter) {
            guard let value else { return }
            separator(&writer)
            writer.key(name)
            writer.string(value)
        }
        string("iss", claims.issuer, &writer)
        string("sub", claims.subject, &writer)
        if let audience = claims.audience {
            separator(&writer)
            writer.key("aud")
            if audience.count == 1 {
                writer.string(audience[0])
            } else {
                writer.write(.array(audience.map(JSONValue.string)))
            }
        }
        try date("exp", claims.expiresAt, &writer)
        try date("nbf", claims.notBefore, &writer)
        try date("iat", claims.issuedAt, &writer)
        string("jti", claims.tokenID, &writer)
        string("sid", claims.sessionID, &writer)
        string("client_id", claims.clientID, &writer)
        string("scope", claims.scope, &writer)
        if let roles = claims.roles {
            separator(&writer)
            writer.key("roles")
            writer.write(.array(roles.map(JSONValue.string)))
        }
        for name in additional.keys.sorted() {
            guard !JWTClaims.registeredNames.contains(name) else {
                throw .claimInvalid("\(name) is a registered claim; set it in JWTClaims")
            }
            guard let value = additional[name] else { continue }
            guard value.isFinite else { throw .claimInvalid("the \(name) claim holds NaN or infinity") }
            separator(&writer)
            writer.string(name)
            writer.byte(UInt8(ascii: ":"))
            writer.write(value)
        }
        writer.byte(UInt8(ascii: "}"))
    }
}

extension JSONValue {
    /// False when a double anywhere inside is NaN or infinite (JSON cannot carry those).
    var isFinite: Bool {
        switch self {
        case .double(let value): value.isFinite
        case .array(let elements): elements.allSatisfy(\.isFinite)
        case .object(let members): members.values.allSatisfy(\.isFinite)
        default: true
        }
    }
}
