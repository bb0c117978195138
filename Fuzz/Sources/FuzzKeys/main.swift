// libFuzzer target: key import from JWK, JWKS and PEM text. Whatever imports must export to a
// JWK that imports again as the same key (same thumbprint), and nothing may crash.
import Foundation
import FuzzDriver
import JWTAuth

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeys(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let key = try? JWTKey(jwk: text) {
        roundTrip(key)
    }
    if let set = try? JWTKeySet(jwks: text) {
        guard (try? JWTKeySet(jwks: set.publicJWKS())) != nil else { fatalError("a JWKS's public half does not import again") }
    }
    if let key = try? JWTKey(pem: text, algorithms: [.rs256, .es256, .es384, .es512, .eddsa]) {
        roundTrip(key)
    }
    return 0
}

private func roundTrip(_ key: JWTKey) {
    let thumbprint = key.thumbprint
    guard let exported = try? key.jwk(includingPrivateKey: key.isPrivate) else { return }
    guard let again = try? JWTKey(jwk: exported, algorithms: [key.algorithm]) else {
        fatalError("an imported key's own JWK does not import again: \(exported)")
    }
    guard again.thumbprint == thumbprint else { fatalError("a key's thumbprint changed through its JWK") }
}

runFuzzer(fuzzKeys)
