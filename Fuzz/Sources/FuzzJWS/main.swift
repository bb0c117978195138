// libFuzzer target: compact JWS parsing and verification with every algorithm family.
// Invariant: a token is accepted only if its signing input (header.payload) is one that was
// signed here with one of the keys. The fuzzer cannot forge a signature, so any other
// accepted token means a check was skipped — and is reported as a crash.
import Foundation
import FuzzDriver
import JWTAuth

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    for verifier in fixture.verifiers {
        check(verifier, raw)
    }
    return 0
}

private func check(_ verifier: JWTVerifier, _ raw: UnsafeRawBufferPointer) {
    let token = String(decoding: raw, as: UTF8.self)
    if let verified = try? verifier.verify(utf8: raw) {
        requireSigned(token)
        _ = verified.claims.subject
    }
    if (try? verifier.verifyJWS(token)) != nil {
        requireSigned(token)
    }
}

private func requireSigned(_ token: String) {
    let signingInput = token.split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: ".")
    guard fixture.signingInputs.contains(signingInput) else {
        fatalError("accepted a token nobody signed: \(token)")
    }
}

runFuzzer(fuzzJWS)
