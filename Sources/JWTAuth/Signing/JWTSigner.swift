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

        // The token is written into one buffer of its exact final size: the signing input
        // first, then its signature's encoding after the second dot.
        let headerCount = Base64URL.encodedCount(forDecodedCount: header.bytes.count)
        let payloadCount = Base64URL.encodedCount(forDecodedCount: payload.count)
        let signatureCount = Base64URL.encodedCount(forDecodedCount: self.key.signatureByteCount)
        let inputCount = headerCount + 1 + payloadCount
        var failure: JWTAuthError? = nil
        let token = [UInt8](unsafeUninitializedCapacity: inputCount + 1 + signatureCount) { buffer, initialized in
            let out = UnsafeMutableRawBufferPointer(buffer)
            header.bytes.withUnsafeBytes { Base64URL.encode($0, into: UnsafeMutableRawBufferPointer(rebasing: out[0..<headerCount])) }
            out[headerCount] = UInt8(ascii: ".")
            Base64URL.encode(payload, into: UnsafeMutableRawBufferPointer(rebasing: out[(headerCount + 1)..<inputCount]))
            out[inputCount] = UInt8(ascii: ".")
            do throws(JWTAuthError) {
                let signature = try self.key.signature(for: UnsafeRawBufferPointer(rebasing: out[0..<inputCount]))
                // An RSA signature is as long as the modulus; anything else is a library fault.
                guard signature.count == self.key.signatureByteCount else {
                    throw JWTAuthError.keyInvalid("the crypto library returned a signature of an unexpected length")
                }
                signature.withUnsafeBytes { Base64URL.encode($0, into: UnsafeMutableRawBufferPointer(rebasing: out[(inputCount + 1)...])) }
                initialized = inputCount + 1 + signatureCount
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return String(decoding: token, as: UTF8.self)
    }

    static func write(_ claims: JWTClaims, _ additional: [String: JSONValue], into writer: inout JSONWriter) throws(JWTAuthError) {
        writer.byte(UInt8(ascii: "{"))
        if let issuer = claims.issuer { Self.member("iss", string: issuer, &writer) }
        if let subject = claims.subject { Self.member("sub", string: subject, &writer) }
        if let audience = claims.audience {
            Self.separate(&writer)
            writer.key("aud")
            if audience.count == 1 {
                writer.string(audience[0])
            } else {
                writer.write(.array(audience.map(JSONValue.string)))
            }
        }
        try Self.member("exp", date: claims.expiresAt, &writer)
        try Self.member("nbf", date: claims.notBefore, &writer)
        try Self.member("iat", date: claims.issuedAt, &writer)
        if let tokenID = claims.tokenID { Self.member("jti", string: tokenID, &writer) }
        if let sessionID = claims.sessionID { Self.member("sid", string: sessionID, &writer) }
        if let clientID = claims.clientID { Self.member("client_id", string: clientID, &writer) }
        if let scope = claims.scope { Self.member("scope", string: scope, &writer) }
        if let roles = claims.roles {
            Self.separate(&writer)
            writer.key("roles")
            writer.write(.array(roles.map(JSONValue.string)))
        }
        if !additional.isEmpty {
            for name in additional.keys.sorted() {
                guard !JWTClaims.registeredNames.contains(name) else {
                    throw .claimInvalid("\(name) is a registered claim; set it in JWTClaims")
                }
                guard let value = additional[name] else { continue }
                guard value.isFinite else { throw .claimInvalid("the \(name) claim holds NaN or infinity") }
                Self.separate(&writer)
                writer.string(name)
                writer.byte(UInt8(ascii: ":"))
                writer.write(value)
            }
        }
        writer.byte(UInt8(ascii: "}"))
    }

    /// A comma, unless the object has just been opened.
    @inline(__always)
    private static func separate(_ writer: inout JSONWriter) {
        if writer.bytes.last != UInt8(ascii: "{") { writer.byte(UInt8(ascii: ",")) }
    }

    private static func member(_ name: StaticString, string value: String, _ writer: inout JSONWriter) {
        Self.separate(&writer)
        writer.key(name)
        writer.string(value)
    }

    private static func member(_ name: StaticString, date value: NumericDate?, _ writer: inout JSONWriter) throws(JWTAuthError) {
        guard let value else { return }
        guard value.secondsSinceEpoch.isFinite else { throw .claimInvalid("the \(name) claim must be finite") }
        Self.separate(&writer)
        writer.key(name)
        writer.double(value.secondsSinceEpoch)
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
