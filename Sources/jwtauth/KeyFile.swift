import Foundation
import JWTAuth

/// Loads keys from the files the CLI is given: a JWK, a JWKS, or PEM.
enum KeyFile {
    /// A single key from a JWK or PEM file; `algorithms` binds keys that do not name one.
    static func key(at path: String, algorithms: [JWSAlgorithm]) throws(CLIFailure) -> JWTKey {
        let text = String(decoding: try Console.readFile(path), as: UTF8.self)
        do {
            if text.contains("-----BEGIN") {
                return try JWTKey(pem: text, algorithms: algorithms)
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
            return try JWTKeySet((hmac.isEmpty ? [.hs256] : hmac).map { (algorithm) throws(JWTAuthError) in
                try JWTKey(secret: secret, algorithm: algorithm)
            })
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
