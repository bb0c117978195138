import CryptoExtras
import SwiftASN1

/// The CRT components of an RSA private key, read from its PKCS#1 DER (RFC 8017 §A.1.2), for
/// JWK export. The crypto library keeps them but does not hand them out one by one.
struct RSAPrivateComponents {
    var d: [UInt8]
    var p: [UInt8]
    var q: [UInt8]
    var dp: [UInt8]
    var dq: [UInt8]
    var qi: [UInt8]

    init(_ key: _RSA.Signing.PrivateKey) throws(JWTAuthError) {
        do {
            let root = try DER.parse(Array(key.derRepresentation))
            var parts: [[UInt8]] = []
            try DER.sequence(root, identifier: .sequence) { nodes in
                _ = try Int(derEncoded: &nodes)  // version
                while let node = nodes.next() {
                    let integer = try ArraySlice<UInt8>(derEncoded: node)
                    parts.append(Array(integer.drop(while: { $0 == 0 })))
                }
            }
            // n, e, d, p, q, dp, dq, qi
            guard parts.count == 8 else { throw JWTAuthError.keyInvalid("unexpected RSA private key structure") }
            self.d = parts[2]
            self.p = parts[3]
            self.q = parts[4]
            self.dp = parts[5]
            self.dq = parts[6]
            self.qi = parts[7]
        } catch let error as JWTAuthError {
            throw error
        } catch {
            throw .keyInvalid("the crypto library could not export the RSA private key")
        }
    }
}
