/// Unguessable identifiers for sessions and tokens: 128 random bits, base64url (22 characters).
enum RandomIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<2).flatMap { _ -> [UInt8] in
            let value = generator.next() as UInt64
            return (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
        }
        return Base64URL.encodedString(bytes)
    }
}
