public import Crypto

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension JWTKey {
    /// Creates an HMAC key (HS256, HS384 or HS512) from a shared secret.
    ///
    /// - Throws: `weak_key` when the secret is shorter than the hash output (32, 48 or 64 bytes,
    ///   RFC 7518 §3.2); `key_invalid` when `algorithm` is not an HMAC algorithm or the secret
    ///   looks like a PEM or JWK public key (the classic algorithm-confusion mistake).
    public init(secret: some ContiguousBytes, algorithm: JWSAlgorithm = .hs256, keyID: String? = nil) throws(JWTAuthError) {
        try self.init(secret: secret, algorithm: algorithm, keyID: keyID, usage: .signature)
    }

    init(secret: some ContiguousBytes, algorithm: JWSAlgorithm, keyID: String?, usage: Usage) throws(JWTAuthError) {
        guard algorithm.isSymmetric else {
            throw .keyInvalid("\(algorithm) is not an HMAC algorithm")
        }
        let bytes = secret.withUnsafeBytes { Array($0) }
        let minimum = HMACSecret.minimumByteCount(for: algorithm)
        guard bytes.count >= minimum else {
            throw .weakKey("\(algorithm) needs a secret of at least \(minimum) bytes; this one has \(bytes.count)")
        }
        if Self.looksLikePublicKeyText(bytes) {
            throw .keyInvalid("the HMAC secret looks like a PEM or JWK key; asymmetric keys are never HMAC secrets")
        }
        let key = SymmetricKey(data: bytes)
        self.init(algorithm: algorithm, keyID: keyID, usage: usage, material: .hmac(HMACSecret(key: key, algorithm: algorithm)))
    }

    /// Creates an HMAC key from a swift-crypto `SymmetricKey`. See ``init(secret:algorithm:keyID:)``.
    public init(_ key: SymmetricKey, algorithm: JWSAlgorithm = .hs256, keyID: String? = nil) throws(JWTAuthError) {
        try self.init(secret: key, algorithm: algorithm, keyID: keyID)
    }

    /// Public key text used as an HMAC secret is how RS256→HS256 confusion attacks work; a
    /// secret that starts like PEM or a JSON object is refused outright.
    private static func looksLikePublicKeyText(_ bytes: [UInt8]) -> Bool {
        let trimmed = bytes.drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D })
        if trimmed.starts(with: Array("-----BEGIN".utf8)) { return true }
        guard trimmed.first == UInt8(ascii: "{"), let json = try? JSONValue(parsingBytes: bytes) else { return false }
        return json.objectValue?["kty"] != nil
    }
}
