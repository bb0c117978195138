import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension JWTKey {
    /// Creates a key from a JWK (RFC 7517) in JSON text.
    ///
    /// - Parameters:
    ///   - jwk: One JSON Web Key. Private keys (with `d`) can sign; any key can verify unless its
    ///     `use` or `key_ops` say otherwise.
    ///   - algorithms: Used only when the JWK has no `alg` member. EC and OKP keys have one
    ///     algorithm per curve; RSA and oct keys need exactly one fitting algorithm here.
    /// - Throws: `key_invalid` for malformed or inconsistent keys and unknown algorithms;
    ///   `weak_key` for keys too weak to use.
    public init(jwk: some StringProtocol, algorithms: [JWSAlgorithm] = []) throws(JWTAuthError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: jwk)
        } catch {
            throw .keyInvalid("the JWK is not valid JSON: \(error.message)")
        }
        guard let members = value.objectValue else { throw .keyInvalid("a JWK must be a JSON object") }
        try self.init(jwkMembers: members, algorithms: algorithms)
    }

    /// Creates a key from the members of a parsed JWK object. See ``init(jwk:algorithms:)``.
    public init(jwkMembers members: [String: JSONValue], algorithms: [JWSAlgorithm] = []) throws(JWTAuthError) {
        let reader = JWKMembers(members)
        let keyType = try reader.requiredString("kty")
        let keyID = try reader.string("kid")
        let usage = try reader.usage()
        let declared = try reader.string("alg")
        var algorithm: JWSAlgorithm? = nil
        if let declared {
            guard let known = JWSAlgorithm(name: declared) else {
                throw .keyInvalid("JWK alg \"\(declared)\" is not a supported JWS algorithm")
            }
            guard known.keyType == keyType else {
                throw .keyInvalid("JWK alg \(known) does not fit key type \(keyType)")
            }
            algorithm = known
        }

        switch keyType {
        case "oct":
            let secret = try reader.requiredBytes("k")
            let bound = try Self.bind(algorithm, candidates: algorithms, family: [.hs256, .hs384, .hs512], keyType: keyType)
            self = try JWTKey(secret: secret, algorithm: bound, keyID: keyID, usage: usage)
        case "RSA":
            guard members["oth"] == nil else { throw .keyInvalid("multi-prime RSA keys are not supported") }
            let bound = try Self.bind(
                algorithm,
                candidates: algorithms,
                family: [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512],
                keyType: keyType
            )
            let (n, e) = try RSAModulusCheck.validate(modulus: try reader.requiredBytes("n"), exponent: try reader.requiredBytes("e"))
            let publicKey: RSAPublicKey
            do {
                publicKey = try RSAPublicKey(n: n, e: e)
            } catch {
                throw .keyInvalid("the crypto library refused the RSA public key")
            }
            var privateKey: RSAPrivateKey? = nil
            if members["d"] != nil {
                privateKey = try Self.rsaPrivateKey(n: n, e: e, reader: reader)
            }
            self.init(algorithm: bound, keyID: keyID, usage: usage, material: .rsa(publicKey, privateKey))
        case "EC":
            let curve = try reader.requiredString("crv")
            let curveAlgorithm: JWSAlgorithm
            switch curve {
            case "P-256": curveAlgorithm = .es256
            case "P-384": curveAlgorithm = .es384
            case "P-521": curveAlgorithm = .es512
            default: throw .keyInvalid("EC curve \"\(curve)\" is not supported")
            }
            if let algorithm, algorithm != curveAlgorithm {
                throw .keyInvalid("JWK alg \(algorithm) does not fit curve \(curve)")
            }
            let material = try Self.ecMaterial(curveAlgorithm, reader: reader)
            self.init(algorithm: curveAlgorithm, keyID: keyID, usage: usage, material: material)
        case "OKP":
            let curve = try reader.requiredString("crv")
            guard curve == "Ed25519" else { throw .keyInvalid("OKP curve \"\(curve)\" is not supported for signatures") }
            let x = try reader.requiredBytes("x")
            let publicKey: Curve25519.Signing.PublicKey
            do {
                guard x.count == 32 else { throw JWTAuthError.keyInvalid("Ed25519 x must be 32 bytes") }
                publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: x)
            } catch {
                throw .keyInvalid("Ed25519 public key is invalid")
            }
            var privateKey: Curve25519.Signing.PrivateKey? = nil
            if members["d"] != nil {
                let d = try reader.requiredBytes("d")
                guard d.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: d) else {
                    throw .keyInvalid("Ed25519 d must be 32 bytes")
                }
                guard key.publicKey.rawRepresentation == publicKey.rawRepresentation else {
                    throw .keyInvalid("Ed25519 d does not belong to x")
                }
                privateKey = key
            }
            self.init(algorithm: .eddsa, keyID: keyID, usage: usage, material: .ed25519(publicKey, privateKey))
        default:
            throw .keyInvalid("key type \"\(keyType)\" is not supported")
        }
    }

    /// Picks the algorithm for an RSA or oct key: the declared one, else the only candidate of
    /// its family.
    private static func bind(
        _ declared: JWSAlgorithm?,
        candidates: [JWSAlgorithm],
        family: [JWSAlgorithm],
        keyType: String
    ) throws(JWTAuthError) -> JWSAlgorithm {
        if let declared { return declared }
        let fitting = Set(candidates.filter(family.contains))
        guard fitting.count == 1, let only = fitting.first else {
            throw .keyInvalid(
                fitting.isEmpty
                    ? "the \(keyType) JWK has no alg member; name its algorithm"
                    : "the \(keyType) JWK has no alg member and several algorithms fit it; name one"
            )
        }
        return only
    }

    private static func ecMaterial(_ algorithm: JWSAlgorithm, reader: JWKMembers) throws(JWTAuthError) -> Material {
        let size = algorithm == .es256 ? 32 : (algorithm == .es384 ? 48 : 66)
        let x = try reader.requiredBytes("x")
        let y = try reader.requiredBytes("y")
        // RFC 7518 §6.2.1.2: coordinates are full-length; anything else is a different encoding.
        guard x.count == size, y.count == size else {
            throw .keyInvalid("EC coordinates must be \(size) bytes for \(algorithm)")
        }
        let point = [0x04] + x + y
        let d = try reader.bytes("d")
        if let d, d.count != size { throw .keyInvalid("EC private key d must be \(size) bytes for \(algorithm)") }
        do {
            switch algorithm {
            case .es256:
                let publicKey = try P256.Signing.PublicKey(x963Representation: point)
                let privateKey = try d.map { try P256.Signing.PrivateKey(rawRepresentation: $0) }
                guard privateKey.map({ $0.publicKey.x963Representation == publicKey.x963Representation }) ?? true else {
                    throw JWTAuthError.keyInvalid("EC private key d does not belong to x and y")
                }
                return .p256(publicKey, privateKey)
            case .es384:
                let publicKey = try P384.Signing.PublicKey(x963Representation: point)
                let privateKey = try d.map { try P384.Signing.PrivateKey(rawRepresentation: $0) }
                guard privateKey.map({ $0.publicKey.x963Representation == publicKey.x963Representation }) ?? true else {
                    throw JWTAuthError.keyInvalid("EC private key d does not belong to x and y")
                }
                return .p384(publicKey, privateKey)
            default:
                let publicKey = try P521.Signing.PublicKey(x963Representation: point)
                let privateKey = try d.map { try P521.Signing.PrivateKey(rawRepresentation: $0) }
                guard privateKey.map({ $0.publicKey.x963Representation == publicKey.x963Representation }) ?? true else {
                    throw JWTAuthError.keyInvalid("EC private key d does not belong to x and y")
                }
                return .p521(publicKey, privateKey)
            }
        } catch let error as JWTAuthError {
            throw error
        } catch {
            throw .keyInvalid("EC key is not a valid point on \(algorithm == .es256 ? "P-256" : algorithm == .es384 ? "P-384" : "P-521")")
        }
    }

    private static func rsaPrivateKey(n: [UInt8], e: [UInt8], reader: JWKMembers) throws(JWTAuthError) -> RSAPrivateKey {
        let d = try reader.requiredBytes("d")
        guard let p = try reader.bytes("p"), let q = try reader.bytes("q") else {
            throw .keyInvalid("RSA private JWKs must include the primes p and q")
        }
        let privateKey: RSAPrivateKey
        do {
            privateKey = try RSAPrivateKey(n: n, e: e, d: d, p: p, q: q)
        } catch {
            throw .keyInvalid("RSA private key parameters are inconsistent")
        }
        // The library derives dp, dq and qi itself; when the JWK carries them they must agree,
        // or the JWK is corrupt.
        let derived = try RSAPrivateComponents(privateKey)
        for (name, value) in [("dp", derived.dp), ("dq", derived.dq), ("qi", derived.qi)] {
            if let given = try reader.bytes(name), Array(given.drop(while: { $0 == 0 })) != value {
                throw .keyInvalid("RSA private key parameter \(name) is inconsistent")
            }
        }
        guard Array(d.drop(while: { $0 == 0 })) == derived.d || derived.d.isEmpty else {
            throw .keyInvalid("RSA private exponent d is inconsistent")
        }
        return privateKey
    }
}

// MARK: - Export

extension JWTKey {
    /// The key as JWK members, in the conventional order. Private members are included only
    /// when asked for; HMAC secrets are private by nature and need `includingPrivateKey`.
    ///
    /// - Throws: `key_invalid` when a public JWK of an HMAC key is asked for.
    public func jwkMembers(includingPrivateKey: Bool = false) throws(JWTAuthError) -> [(name: String, value: String)] {
        var members: [(name: String, value: String)] = []
        func add(_ name: String, _ bytes: some ContiguousBytes) {
            members.append((name, Base64URL.encodedString(bytes)))
        }
        members.append(("kty", self.algorithm.keyType))
        switch self.material {
        case .hmac(let secret):
            guard includingPrivateKey else { throw .keyInvalid("an HMAC secret has no public JWK") }
            secret.key.withUnsafeBytes { add("k", Array($0)) }
        case .rsa(let publicKey, let privateKey):
            let components = try Self.rsaPublicComponents(publicKey)
            add("n", components.n)
            add("e", components.e)
            if includingPrivateKey, let privateKey {
                let secret = try RSAPrivateComponents(privateKey)
                add("d", secret.d)
                add("p", secret.p)
                add("q", secret.q)
                add("dp", secret.dp)
                add("dq", secret.dq)
                add("qi", secret.qi)
            }
        case .p256(let publicKey, let privateKey):
            members.append(("crv", "P-256"))
            Self.addPoint(publicKey.x963Representation, into: &members)
            if includingPrivateKey, let privateKey { add("d", privateKey.rawRepresentation) }
        case .p384(let publicKey, let privateKey):
            members.append(("crv", "P-384"))
            Self.addPoint(publicKey.x963Representation, into: &members)
            if includingPrivateKey, let privateKey { add("d", privateKey.rawRepresentation) }
        case .p521(let publicKey, let privateKey):
            members.append(("crv", "P-521"))
            Self.addPoint(publicKey.x963Representation, into: &members)
            if includingPrivateKey, let privateKey { add("d", privateKey.rawRepresentation) }
        case .ed25519(let publicKey, let privateKey):
            members.append(("crv", "Ed25519"))
            add("x", publicKey.rawRepresentation)
            if includingPrivateKey, let privateKey { add("d", privateKey.rawRepresentation) }
        }
        members.append(("alg", self.algorithm.name))
        if let keyID { members.append(("kid", keyID)) }
        if self.usage == .signature {
            members.append(("use", "sig"))
        }
        return members
    }

    /// The key as compact JWK JSON text. See ``jwkMembers(includingPrivateKey:)``.
    public func jwk(includingPrivateKey: Bool = false) throws(JWTAuthError) -> String {
        let members = try self.jwkMembers(includingPrivateKey: includingPrivateKey)
        var writer = JSONWriter()
        writer.byte(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.string(member.name)
            writer.byte(UInt8(ascii: ":"))
            writer.string(member.value)
        }
        writer.byte(UInt8(ascii: "}"))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static func addPoint(_ x963: Data, into members: inout [(name: String, value: String)]) {
        let coordinates = Array(x963.dropFirst())
        let size = coordinates.count / 2
        members.append(("x", Base64URL.encodedString(Array(coordinates[0..<size]))))
        members.append(("y", Base64URL.encodedString(Array(coordinates[size...]))))
    }

    static func rsaPublicComponents(_ publicKey: RSAPublicKey) throws(JWTAuthError) -> (n: [UInt8], e: [UInt8]) {
        do {
            let primitives = try publicKey.getKeyPrimitives()
            return (
                Array(primitives.modulus.drop(while: { $0 == 0 })),
                Array(primitives.publicExponent.drop(while: { $0 == 0 }))
            )
        } catch {
            throw .keyInvalid("the crypto library could not export the RSA public key")
        }
    }
}

/// Reads typed members of a JWK object, with errors that name the member.
struct JWKMembers {
    let members: [String: JSONValue]

    init(_ members: [String: JSONValue]) { self.members = members }

    func string(_ name: String) throws(JWTAuthError) -> String? {
        guard let value = self.members[name] else { return nil }
        guard let string = value.stringValue else { throw .keyInvalid("JWK member \(name) must be a string") }
        return string
    }

    func requiredString(_ name: String) throws(JWTAuthError) -> String {
        guard let string = try self.string(name) else { throw .keyInvalid("JWK member \(name) is missing") }
        return string
    }

    func bytes(_ name: String) throws(JWTAuthError) -> [UInt8]? {
        guard let string = try self.string(name) else { return nil }
        guard let bytes = Base64URL.decode(string) else { throw .keyInvalid("JWK member \(name) is not base64url") }
        return bytes
    }

    func requiredBytes(_ name: String) throws(JWTAuthError) -> [UInt8] {
        guard let bytes = try self.bytes(name) else { throw .keyInvalid("JWK member \(name) is missing") }
        return bytes
    }

    /// The permitted operations from `use` and `key_ops` (RFC 7517 §4.2, §4.3).
    func usage() throws(JWTAuthError) -> JWTKey.Usage {
        var usage = JWTKey.Usage.signature
        if let use = try self.string("use") {
            // "enc" and unknown uses are not for signatures.
            if use != "sig" { usage = [] }
        }
        if let operations = self.members["key_ops"] {
            guard let array = operations.arrayValue else { throw .keyInvalid("JWK member key_ops must be an array") }
            var names: Set<String> = []
            for element in array {
                guard let name = element.stringValue else { throw .keyInvalid("JWK key_ops must hold strings") }
                guard names.insert(name).inserted else { throw .keyInvalid("JWK key_ops has a duplicate value") }
            }
            var allowed: JWTKey.Usage = []
            if names.contains("sign") { allowed.insert(.sign) }
            if names.contains("verify") { allowed.insert(.verify) }
            usage.formIntersection(allowed)
        }
        return usage
    }
}
