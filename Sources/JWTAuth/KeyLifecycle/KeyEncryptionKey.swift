import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The 32-byte key that seals signing keys at rest (AES-256-GCM), so a copy of the database
/// alone cannot sign tokens.
///
/// Every sealed key names the key-encryption key it was sealed under (``identifier``, derived
/// from the key and revealing nothing about it), so a database opened with another
/// key-encryption key is told apart from a damaged row. The ciphertext is bound to its key's
/// `kid` and `alg` (authenticated data): a sealed key copied into another row does not open.
public struct KeyEncryptionKey: Sendable {
    /// The number of bytes of a key-encryption key.
    public static let byteCount = 32

    private static let format = "jwtauth-kek-v1"

    private let key: SymmetricKey

    /// A short, stable name of this key (16 hex digits, an HMAC of a fixed label under the key):
    /// equal for equal keys, useless to an attacker.
    public let identifier: String

    /// Creates a key-encryption key from its 32 bytes.
    ///
    /// - Throws: `key_invalid` when `bytes` is not 32 bytes long.
    public init(bytes: [UInt8]) throws(JWTAuthError) {
        guard bytes.count == Self.byteCount else {
            throw .keyInvalid("a key-encryption key must be \(Self.byteCount) bytes, not \(bytes.count)")
        }
        let key = SymmetricKey(data: bytes)
        self.key = key
        let mac = HMAC<SHA256>.authenticationCode(for: Array("jwtauth key-encryption key identifier".utf8), using: key)
        self.identifier = mac.prefix(8).map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()
    }

    /// Reads a key-encryption key file: 32 raw bytes, or the key as 64 hex digits or as base64
    /// or base64url text (surrounding whitespace ignored), as `openssl rand -base64 32` writes.
    ///
    /// - Throws: `key_invalid` when the contents are none of these.
    public init(fileContents: [UInt8]) throws(JWTAuthError) {
        if fileContents.count == Self.byteCount {
            try self.init(bytes: fileContents)
            return
        }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let text = fileContents.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        if text.count == 64, let bytes = Self.hexDecode(Array(text)) {
            try self.init(bytes: bytes)
            return
        }
        // base64 and base64url: the same alphabet but for two characters, padding optional.
        var normalized = Array(text.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 })
        while normalized.last == UInt8(ascii: "=") { normalized.removeLast() }
        guard let bytes = Base64URL.decode(String(decoding: normalized, as: UTF8.self)), bytes.count == Self.byteCount else {
            throw .keyInvalid("a key-encryption key file must hold 32 bytes: raw, as 64 hex digits or as base64")
        }
        try self.init(bytes: bytes)
    }

    /// A new random key-encryption key.
    public static func generate() -> KeyEncryptionKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<Self.byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // 32 bytes always make a key.
        guard let key = try? KeyEncryptionKey(bytes: bytes) else { preconditionFailure("a 32-byte key-encryption key was refused") }
        return key
    }

    /// The key as a file holds it: base64url text and a line break (what ``init(fileContents:)``
    /// reads back). Secret: write it only to a file only its owner can read.
    public var fileContents: String {
        self.key.withUnsafeBytes { Base64URL.encodedString(Array($0)) } + "\n"
    }

    /// Seals a key for storage: `jwtauth-kek-v1.<identifier>.<nonce, ciphertext and tag in
    /// base64url>`, bound to the key's `kid` and `alg`. Private keys are sealed with their
    /// private part; a public key (a retired key kept only to verify) is sealed as it is.
    ///
    /// - Throws: `key_invalid` when the key has no `kid`.
    public func seal(_ signingKey: JWTKey) throws(JWTAuthError) -> String {
        guard let keyID = signingKey.keyID, !keyID.isEmpty else { throw .keyInvalid("a signing key needs a kid to be sealed") }
        let plaintext = Array(try signingKey.jwk(includingPrivateKey: signingKey.isPrivate).utf8)
        let combined: [UInt8]
        do {
            let box = try AES.GCM.seal(
                plaintext,
                using: self.key,
                nonce: AES.GCM.Nonce(),
                authenticating: Self.associatedData(keyID: keyID, algorithm: signingKey.algorithm)
            )
            guard let bytes = box.combined else { throw JWTAuthError.keyInvalid("AES-GCM produced no combined box") }
            combined = Array(bytes)
        } catch {
            throw .keyInvalid("the signing key could not be sealed")
        }
        return "\(Self.format).\(self.identifier).\(Base64URL.encodedString(combined))"
    }

    /// The identifier of the key-encryption key a sealed key names, or nil when `sealed` is
    /// not in the sealed format.
    public static func identifier(ofSealed sealed: String) -> String? {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.format else { return nil }
        return String(parts[1])
    }

    /// Opens a sealed key stored for `keyID` and `algorithm`.
    ///
    /// - Throws: `key_invalid` when the key was sealed under another key-encryption key, when
    ///   the ciphertext was altered or belongs to another row, or when what it holds is not a
    ///   key of that `kid` and `alg`. Messages never contain key material.
    public func open(_ sealed: String, keyID: String, algorithm: JWSAlgorithm) throws(JWTAuthError) -> JWTKey {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.format, let combined = Base64URL.decode(parts[2]) else {
            throw .keyInvalid("the stored signing key \(keyID) is not in the sealed format")
        }
        guard parts[1] == self.identifier else {
            throw .keyInvalid("the signing key \(keyID) was sealed under another key-encryption key")
        }
        let plaintext: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            plaintext = Array(try AES.GCM.open(box, using: self.key, authenticating: Self.associatedData(keyID: keyID, algorithm: algorithm)))
        } catch {
            throw .keyInvalid("the sealed signing key \(keyID) does not open: the stored row was altered or swapped")
        }
        let key: JWTKey
        do {
            key = try JWTKey(jwk: String(decoding: plaintext, as: UTF8.self))
        } catch {
            throw .keyInvalid("the sealed signing key \(keyID) does not hold a usable key")
        }
        guard key.keyID == keyID, key.algorithm == algorithm else {
            throw .keyInvalid("the sealed signing key \(keyID) holds another key")
        }
        return key
    }

    /// What the ciphertext is bound to: the format, the `kid` and the `alg`, as a JSON array so
    /// no two rows can produce the same bytes.
    private static func associatedData(keyID: String, algorithm: JWSAlgorithm) -> [UInt8] {
        Array(JSONValue.array([.string(Self.format), .string(keyID), .string(algorithm.name)]).jsonString.utf8)
    }

    private static func hexDecode(_ text: [UInt8]) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = 0
        while index + 1 < text.count {
            guard let high = JSONReader.hexValue(text[index]), let low = JSONReader.hexValue(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
