/// The keys a verifier trusts (a JWKS, RFC 7517 §5), looked up by `kid`.
///
/// Lookup is strict: a token's `kid` must name a key in the set — an unknown `kid`
/// is `key_unknown`, never a fall-back to some default key; a token without `kid` is tried only
/// when exactly one key of the set has its `alg`. A set may not mix HMAC secrets with
/// asymmetric keys, nor hold two signature keys with the same `kid`, because either makes the
/// choice of key ambiguous.
public struct JWTKeySet: Sendable {
    /// Every key in the set, including those not allowed to verify.
    public let keys: [JWTKey]
    /// The keys allowed to verify (`use` is `sig` or absent, `key_ops` allow `verify`).
    let verificationKeys: [JWTKey]
    /// The algorithms of the verification keys: the default algorithm allow-list.
    public let algorithms: Set<JWSAlgorithm>

    /// Creates a set from keys.
    ///
    /// - Throws: `key_invalid` when two signature keys share a `kid`, or HMAC secrets and
    ///   asymmetric keys are mixed.
    public init(_ keys: [JWTKey]) throws(JWTAuthError) {
        let verificationKeys = keys.filter(\.canVerify)
        var seen: Set<String> = []
        for key in verificationKeys {
            if let keyID = key.keyID, !seen.insert(keyID).inserted {
                throw .keyInvalid("two keys in the set share the kid \"\(keyID)\"")
            }
        }
        let symmetric = verificationKeys.contains(where: \.isSymmetric)
        let asymmetric = verificationKeys.contains(where: { !$0.isSymmetric })
        guard !(symmetric && asymmetric) else {
            throw .keyInvalid("a key set must not mix HMAC secrets with asymmetric keys")
        }
        self.keys = keys
        self.verificationKeys = verificationKeys
        self.algorithms = Set(verificationKeys.map(\.algorithm))
    }

    /// Creates a set holding one key.
    public init(_ key: JWTKey) {
        self.keys = [key]
        self.verificationKeys = key.canVerify ? [key] : []
        self.algorithms = key.canVerify ? [key.algorithm] : []
    }

    /// Reads a JWKS document (`{"keys": [...]}`).
    ///
    /// Keys that are not for signatures — `use: enc`, `key_ops` without `verify`/`sign`, or an
    /// `alg` that is not a JWS algorithm (`A128KW`, `RSA-OAEP`, …) — are skipped without being
    /// read further; every other key must be valid and strong.
    ///
    /// - Parameter algorithms: Binds keys that have no `alg` member; see
    ///   ``JWTKey/init(jwk:algorithms:)``.
    public init(jwks: some StringProtocol, algorithms: [JWSAlgorithm] = []) throws(JWTAuthError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: jwks)
        } catch {
            throw .keyInvalid("the JWKS is not valid JSON: \(error.message)")
        }
        guard let members = document.objectValue, let entries = members["keys"]?.arrayValue else {
            throw .keyInvalid("a JWKS must be an object with a \"keys\" array")
        }
        var keys: [JWTKey] = []
        for entry in entries {
            guard let object = entry.objectValue else { throw .keyInvalid("every JWKS entry must be an object") }
            let members = JWKMembers(object)
            guard try members.usage().isEmpty == false else { continue }
            // A key declared for another algorithm family (A128KW, RSA-OAEP, …) is not a
            // signature key; only a JWS algorithm name binds a key here.
            if let declared = try members.string("alg"), JWSAlgorithm(name: declared) == nil { continue }
            keys.append(try JWTKey(jwkMembers: object, algorithms: algorithms))
        }
        try self.init(keys)
    }

    /// The public keys as a JWKS document, for `/.well-known/jwks.json`. HMAC keys are left out.
    public func publicJWKS() -> String {
        var writer = JSONWriter()
        writer.raw("{\"keys\":[")
        var first = true
        for key in self.keys {
            guard let publicKey = key.publicKey, let jwk = try? publicKey.jwk() else { continue }
            if !first { writer.byte(UInt8(ascii: ",")) }
            first = false
            writer.bytes.append(contentsOf: jwk.utf8)
        }
        writer.raw("]}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The key that must verify a token with this `alg` and `kid` (raw, unescaped UTF-8).
    func verificationKey(for algorithm: JWSAlgorithm, keyID: UnsafeRawBufferPointer?) throws(JWTAuthError) -> JWTKey {
        if let keyID {
            for key in self.verificationKeys {
                guard let candidate = key.keyIDBytes, candidate.count == keyID.count else { continue }
                let matches = candidate.withUnsafeBytes { candidate in
                    candidate.elementsEqual(keyID)
                }
                guard matches else { continue }
                guard key.algorithm == algorithm else {
                    throw JWTAuthError(.algorithmRejected, "the token's alg \(algorithm) is not the algorithm of key it names (\(key.algorithm))")
                }
                return key
            }
            throw JWTAuthError(.keyUnknown, "no trusted key has the token's kid")
        }
        var match: JWTKey? = nil
        for key in self.verificationKeys where key.algorithm == algorithm {
            guard match == nil else {
                throw JWTAuthError(.keyUnknown, "the token has no kid and several keys could verify it")
            }
            match = key
        }
        guard let match else {
            throw JWTAuthError(.algorithmRejected, "no trusted key is bound to \(algorithm)")
        }
        return match
    }
}
