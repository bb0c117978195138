import Foundation
import Testing

@testable import JWTAuth

/// Signing keys at rest: sealed with AES-256-GCM under a key-encryption key, bound to their
/// row's `kid` and `alg`.
@Suite("Key sealing")
struct KeySealingTests {
    static let now = NumericDate(1_800_000_000)

    @Test("A sealed key opens under the same key-encryption key and signs as before", arguments: [JWSAlgorithm.es256, .eddsa, .hs256, .ps256])
    func roundTrip(algorithm: JWSAlgorithm) throws {
        let encryptionKey = KeyEncryptionKey.generate()
        let key = try JWTKey.generate(algorithm)
        let record = try SigningKeyRecord(key: key, state: .current, at: Self.now, sealedWith: encryptionKey)
        #expect(record.keyID == key.keyID && record.algorithm == algorithm)
        #expect(KeyEncryptionKey.identifier(ofSealed: record.sealedKey) == encryptionKey.identifier)
        // Nothing of the private key shows in the stored text.
        let privateMembers = try key.jwkMembers(includingPrivateKey: true).filter { ["d", "k", "p", "q"].contains($0.name) }
        #expect(!privateMembers.isEmpty)
        for member in privateMembers {
            #expect(!record.sealedKey.contains(member.value))
        }
        let opened = try record.open(with: encryptionKey)
        #expect(try opened.jwk(includingPrivateKey: true) == key.jwk(includingPrivateKey: true))
        #expect(opened.canSign)
    }

    @Test("A key sealed under another key-encryption key is refused, and the error says so")
    func wrongEncryptionKey() throws {
        let record = try SigningKeyRecord.generate(.es256, state: .current, at: Self.now, sealedWith: KeyEncryptionKey.generate())
        let other = KeyEncryptionKey.generate()
        let error = expectRejected(.keyInvalid) { try record.open(with: other) }
        #expect(error?.message.contains("another key-encryption key") == true, "\(String(describing: error))")

        // A sealed text that claims this key's identifier but was sealed under another key
        // fails authentication instead.
        let forged = record.sealedKey.replacingOccurrences(
            of: ".\(try #require(KeyEncryptionKey.identifier(ofSealed: record.sealedKey))).",
            with: ".\(other.identifier)."
        )
        let forgery = expectRejected(.keyInvalid) { try other.open(forged, keyID: record.keyID, algorithm: record.algorithm) }
        #expect(forgery?.message.contains("does not open") == true)
    }

    @Test("Any change to the ciphertext is refused")
    func tampered() throws {
        let encryptionKey = KeyEncryptionKey.generate()
        let record = try SigningKeyRecord.generate(.es256, state: .current, at: Self.now, sealedWith: encryptionKey)
        let parts = record.sealedKey.split(separator: ".").map(String.init)
        var payload = Array(parts[2].utf8)
        for index in [0, payload.count / 2, payload.count - 2] {
            var changed = payload
            changed[index] = changed[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let sealed = [parts[0], parts[1], String(decoding: changed, as: UTF8.self)].joined(separator: ".")
            expectRejected(.keyInvalid, "byte \(index)") { try encryptionKey.open(sealed, keyID: record.keyID, algorithm: record.algorithm) }
        }
        payload.removeLast(4)
        let truncated = [parts[0], parts[1], String(decoding: payload, as: UTF8.self)].joined(separator: ".")
        expectRejected(.keyInvalid) { try encryptionKey.open(truncated, keyID: record.keyID, algorithm: record.algorithm) }
        expectRejected(.keyInvalid) { try encryptionKey.open("not sealed", keyID: record.keyID, algorithm: record.algorithm) }
    }

    @Test("A sealed key moved into another row (another kid or alg) does not open")
    func swappedRows() throws {
        let encryptionKey = KeyEncryptionKey.generate()
        let first = try SigningKeyRecord.generate(.es256, state: .current, at: Self.now, sealedWith: encryptionKey)
        let second = try SigningKeyRecord.generate(.es256, state: .next, at: Self.now, sealedWith: encryptionKey)
        var swapped = first
        swapped.sealedKey = second.sealedKey
        expectRejected(.keyInvalid) { try swapped.open(with: encryptionKey) }
        var otherAlgorithm = first
        otherAlgorithm.algorithm = .es384
        expectRejected(.keyInvalid) { try otherAlgorithm.open(with: encryptionKey) }
    }

    @Test("A key-encryption key file may hold 32 raw bytes, 64 hex digits, or base64 or base64url text")
    func fileFormats() throws {
        let bytes = (0..<32).map { UInt8($0 * 7 + 3) }
        let reference = try KeyEncryptionKey(bytes: bytes)
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let base64url = Base64URL.encodedString(bytes)
        let base64 = base64url.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "="
        for contents in [bytes, Array(hex.utf8), Array((hex.uppercased() + "\n").utf8), Array(base64url.utf8), Array(("  " + base64 + "\r\n").utf8)] {
            #expect(try KeyEncryptionKey(fileContents: contents).identifier == reference.identifier)
        }
        #expect(try KeyEncryptionKey(fileContents: Array(reference.fileContents.utf8)).identifier == reference.identifier)
        for bad in [Array(bytes.prefix(31)), bytes + [0], Array("short".utf8), Array(String(hex.dropLast(2)).utf8), []] {
            expectRejected(.keyInvalid) { try KeyEncryptionKey(fileContents: bad) }
        }
        #expect(KeyEncryptionKey.generate().identifier != KeyEncryptionKey.generate().identifier)
    }
}
