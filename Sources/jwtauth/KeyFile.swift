import Foundation
import JWTAuth

/// Loads keys from the files the CLI is given: a JWK, a JWKS, or PEM.
enum KeyFile {
    /// A single key from a JWK or PEM file; `algorithms` binds keys that do not name one.
    static func key(at path: String, algorithms: [JWSAlgorithm]) throws(CLIFailure) -> JWTKey {
        let text = String(decoding: try Console.readFile(path), as: UTF8.self)
        do {
            if text.contains("-----BEGIN") {
                // PEM carries no kid; the thumbprint is what `keys generate` uses, so tokens
                // signed with the same key's JWK name it.
                let key = try JWTKey(pem: text, algorithms: algorithms)
                return key.withKeyID(key.thumbprint)
            }
            return try JWTKey(jwk: text, algorithms: algorithms)
        } catch {
            throw .key(error)
        }
    }

    /// A key set: a JWKS document, or a single JWK or PEM key.
    static func keySet(at path: String, algorithms: [JWSAlgorithm]) throws(CLIFailure) -> JWTKeySet {
        let text = String(decoding: try Console.readFile(path), as: UTF8.self)
        do {
            if let object = try? JSONValue(parsing: text).objectValue, object["keys"] != nil {
                return try JWTKeySet(jwks: text, algorithms: algorithms)
            }
        } catch {
            throw .key(error)
        }
        return JWTKeySet(try Self.key(at: path, algorithms: algorithms))
    }

    /// HMAC keys from a raw secret file, one per HMAC algorithm allowed (HS256 by default).
    ///
    /// A secret file that is text (valid UTF-8 without control characters) loses one trailing
    /// line break, as editors and `echo` add one; binary secrets are used byte for byte.
    static func secretKeySet(at path: String, algorithms: [JWSAlgorithm]) throws(CLIFailure) -> JWTKeySet {
        var secret = try Console.readFile(path)
        if Self.isText(secret), secret.last == 0x0A {
            secret.removeLast()
            if secret.last == 0x0D { secret.removeLast() }
        }
        let hmac = algorithms.filter(\.isSymmetric)
        guard hmac.count == algorithms.count else {
            throw .usage("--secret-file holds an HMAC secret; --alg may only list HS256, HS384 or HS512")
        }
        do {
            // One key per algorithm. A single key gets its RFC 7638 thumbprint as kid (the kid
            // `keys generate` gives a JWK holding the same secret); several would share it, so
            // they go without and are told apart by alg.
            let selected = hmac.isEmpty ? [JWSAlgorithm.hs256] : hmac
            return try JWTKeySet(
                selected.map { (algorithm) throws(JWTAuthError) in
                    let key = try JWTKey(secret: secret, algorithm: algorithm)
                    return selected.count == 1 ? key.withKeyID(key.thumbprint) : key
                }
            )
        } catch {
            throw .key(error)
        }
    }

    private static func isText(_ bytes: [UInt8]) -> Bool {
        guard String(validating: bytes, as: UTF8.self) != nil else { return false }
        return bytes.dropLast().allSatisfy { $0 >= 0x20 || $0 == 0x09 } && (bytes.last.map { $0 >= 0x20 || $0 == 0x0A || $0 == 0x09 } ?? true)
    }
}

/// `--alg A,B` as algorithms.
func parseAlgorithms(_ list: String?) throws(CLIFailure) -> [JWSAlgorithm] {
    guard let list else { return [] }
    var algorithms: [JWSAlgorithm] = []
    for name in list.split(separator: ",", omittingEmptySubsequences: true).map({ $0.trimmingCharacters(in: .whitespaces) }) {
        guard let algorithm = JWSAlgorithm(name: name) else {
            if name.lowercased() == "none" { throw .usage("alg none is never accepted") }
            throw .usage("unknown algorithm \(name); use one of \(JWSAlgorithm.allCases.map(\.name).joined(separator: ", "))")
        }
        algorithms.append(algorithm)
    }
    guard !algorithms.isEmpty else { throw .usage("--alg needs at least one algorithm") }
    return algorithms
}
