import Crypto
import Testing

@testable import JWTAuth

@Suite("HMAC")
struct HMACTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    static func code(_ key: [UInt8], _ algorithm: JWSAlgorithm, _ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { HMACSecret(key: SymmetricKey(data: key), algorithm: algorithm).authenticationCode(for: $0) }
    }

    @Test("RFC 4231 test cases 1 and 6 (a key longer than the block)")
    func rfc4231() {
        let shortKey = [UInt8](repeating: 0x0B, count: 20)
        let hiThere = Array("Hi There".utf8)
        #expect(Self.code(shortKey, .hs256, hiThere) == Self.hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"))
        #expect(
            Self.code(shortKey, .hs384, hiThere)
                == Self.hex("afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6")
        )
        #expect(
            Self.code(shortKey, .hs512, hiThere)
                == Self.hex(
                    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
                )
        )
        let longKey = [UInt8](repeating: 0xAA, count: 131)
        let message = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        #expect(Self.code(longKey, .hs256, message) == Self.hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"))
    }

    @Test("Agrees with swift-crypto's HMAC for keys and messages of many lengths", arguments: [JWSAlgorithm.hs256, .hs384, .hs512])
    func agreesWithSwiftCrypto(_ algorithm: JWSAlgorithm) {
        var generator = SystemRandomNumberGenerator()
        for keyLength in [1, 32, 63, 64, 65, 127, 128, 129, 200] {
            for messageLength in [0, 1, 55, 56, 64, 111, 112, 128, 1000] {
                let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let symmetric = SymmetricKey(data: key)
                let expected: [UInt8]
                switch algorithm {
                case .hs384: expected = Array(HMAC<SHA384>.authenticationCode(for: message, using: symmetric))
                case .hs512: expected = Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetric))
                default: expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetric))
                }
                let secret = HMACSecret(key: symmetric, algorithm: algorithm)
                #expect(message.withUnsafeBytes { secret.authenticationCode(for: $0) } == expected, "key \(keyLength), message \(messageLength)")
                #expect(expected.withUnsafeBytes { code in message.withUnsafeBytes { secret.isValidAuthenticationCode(code, for: $0) } })
                var wrong = expected
                wrong[wrong.count - 1] ^= 1
                #expect(!wrong.withUnsafeBytes { code in message.withUnsafeBytes { secret.isValidAuthenticationCode(code, for: $0) } })
            }
        }
    }
}
