import Crypto

extension JWTKey {
    /// The RFC 7638 JWK thumbprint (SHA-256, base64url): a hash over the key's required public
    /// members in lexicographic order, so the same key always has the same thumbprint.
    public var thumbprint: String {
        // jwkMembers only fails for a public HMAC JWK; thumbprints of secrets use `k`.
        let members = (try? self.jwkMembers(includingPrivateKey: self.isSymmetric)) ?? []
        let required: Set<String>
        switch self.algorithm.keyType {
        case "oct": required = ["k", "kty"]
        case "RSA": required = ["e", "kty", "n"]
        case "EC": required = ["crv", "kty", "x", "y"]
        default: required = ["crv", "kty", "x"]
        }
        var writer = JSONWriter()
        writer.byte(UInt8(ascii: "{"))
        for (index, member) in members.filter({ required.contains($0.name) }).sorted(by: { $0.name < $1.name }).enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.string(member.name)
            writer.byte(UInt8(ascii: ":"))
            writer.string(member.value)
        }
        writer.byte(UInt8(ascii: "}"))
        return Base64URL.encodedString(Array(SHA256.hash(data: writer.bytes)))
    }
}
