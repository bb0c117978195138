#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Verification of a JWS in compact serialization (RFC 7515 §5.2, with RFC 8725's hardening).
///
/// Everything runs over the token's borrowed bytes; the segments are decoded into one
/// temporary buffer. The order of checks is fixed and documented, because the error code
/// tells the caller which rule failed:
///
/// 1. size cap (`too_large`) — before anything else is looked at;
/// 2. exactly three segments, canonical base64url, header a strict JSON object (`malformed`);
/// 3. `alg` present and a string (`malformed`), not `none`, known and allowed (`alg_rejected`);
/// 4. `crit`, `b64`, `zip` and nested JWTs are refused (`header_unsupported`);
/// 5. `typ` when the policy names types (`type_invalid`);
/// 6. the key by `kid` (`key_unknown`), bound to the same `alg` (`alg_rejected`);
/// 7. the signature, length first (`signature_invalid`).
///
/// `jku`, `x5u`, `jwk`, `x5c` and `x5t` are never used to find a key: nothing is fetched and
/// no key embedded in a token is ever trusted.
enum CompactJWS {
    /// The protected header members JWTAuth reads, as ranges in the decoded header.
    struct Header {
        var algorithm: JWSAlgorithm
        var keyID: JSONReader.StringRef?
        var type: JSONReader.StringRef?
        var contentType: JSONReader.StringRef?
    }

    /// Options that differ between JWT and raw JWS verification.
    struct Rules {
        var maximumTokenBytes: Int
        var maximumNestingDepth: Int
        /// Allowed algorithms as a bit set over `JWSAlgorithm.Kind` (a set lookup would hash).
        var algorithms: UInt32
        /// Normalized accepted `typ` values (see ``JWTValidationPolicy/normalizedType(_:)``).
        var types: Set<String>?
        /// A JWT may not be a nested JWT (`cty: JWT`); a raw JWS may carry anything.
        var refusesNestedJWT: Bool
    }

    /// Verifies the token and calls `body` with the parsed header, the decoded header bytes,
    /// the key that verified it, the decoded payload and the payload segment's byte range.
    static func verify<Result>(
        _ token: UnsafeRawBufferPointer,
        keys: JWTKeySet,
        rules: Rules,
        _ body: (Header, UnsafeRawBufferPointer, JWTKey, UnsafeRawBufferPointer, Range<Int>) throws(JWTAuthError) -> Result
    ) throws(JWTAuthError) -> Result {
        guard token.count <= rules.maximumTokenBytes else {
            throw JWTAuthError(.tooLarge, "the token is \(token.count) bytes; at most \(rules.maximumTokenBytes) are accepted")
        }
        // Segments: memchr finds the dots much faster than a byte loop.
        guard let firstDot = Self.index(of: UInt8(ascii: "."), in: token, from: 0),
            let secondDot = Self.index(of: UInt8(ascii: "."), in: token, from: firstDot + 1),
            Self.index(of: UInt8(ascii: "."), in: token, from: secondDot + 1) == nil
        else {
            let dots = token.reduce(0) { $1 == UInt8(ascii: ".") ? $0 + 1 : $0 }
            throw .malformed("a compact JWS has 3 segments; this token has \(dots + 1)")
        }
        let headerSegment = UnsafeRawBufferPointer(rebasing: token[0..<firstDot])
        let payloadSegment = UnsafeRawBufferPointer(rebasing: token[(firstDot + 1)..<secondDot])
        let signatureSegment = UnsafeRawBufferPointer(rebasing: token[(secondDot + 1)...])
        guard let headerCount = Base64URL.decodedCount(forEncodedCount: headerSegment.count),
            let payloadCount = Base64URL.decodedCount(forEncodedCount: payloadSegment.count),
            let signatureCount = Base64URL.decodedCount(forEncodedCount: signatureSegment.count)
        else {
            throw .malformed("a segment is not canonical base64url")
        }
        guard headerCount > 0 else { throw .malformed("the header segment is empty") }

        return try withUnsafeTemporaryAllocation(
            byteCount: headerCount + payloadCount + signatureCount,
            alignment: 1
        ) { (scratch) throws(JWTAuthError) -> Result in
            let headerBytes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<headerCount])
            let payloadBytes = UnsafeMutableRawBufferPointer(rebasing: scratch[headerCount..<(headerCount + payloadCount)])
            let signatureBytes = UnsafeMutableRawBufferPointer(rebasing: scratch[(headerCount + payloadCount)...])
            guard Base64URL.decode(headerSegment, into: headerBytes) != nil else {
                throw .malformed("the header segment is not canonical base64url")
            }
            let headerView = UnsafeRawBufferPointer(headerBytes)
            let header = try Self.readHeader(headerView, rules: rules)

            guard Base64URL.decode(payloadSegment, into: payloadBytes) != nil else {
                throw .malformed("the payload segment is not canonical base64url")
            }
            guard Base64URL.decode(signatureSegment, into: signatureBytes) != nil else {
                throw .malformed("the signature segment is not canonical base64url")
            }

            let key: JWTKey
            if let kid = header.keyID {
                if kid.hasEscapes {
                    let unescaped = JSONReader.unescapedBytes(kid, in: headerView)
                    key = try unescaped.withUnsafeBytesTyped { (kidBytes) throws(JWTAuthError) -> JWTKey in
                        try keys.verificationKey(for: header.algorithm, keyID: kidBytes)
                    }
                } else {
                    key = try keys.verificationKey(
                        for: header.algorithm,
                        keyID: UnsafeRawBufferPointer(rebasing: headerView[kid.start..<kid.end])
                    )
                }
            } else {
                key = try keys.verificationKey(for: header.algorithm, keyID: nil)
            }

            guard !signatureBytes.isEmpty else {
                throw JWTAuthError(.signatureInvalid, "the signature is empty")
            }
            let signingInput = UnsafeRawBufferPointer(rebasing: token[0..<secondDot])
            guard key.isValidSignature(UnsafeRawBufferPointer(signatureBytes), for: signingInput) else {
                throw JWTAuthError(.signatureInvalid, "the signature does not verify")
            }
            return try body(header, headerView, key, UnsafeRawBufferPointer(payloadBytes), (firstDot + 1)..<secondDot)
        }
    }

    /// The raw header members, collected in one pass.
    private struct HeaderMembers {
        var alg: JSONReader.Value? = nil
        var kid: JSONReader.Value? = nil
        var typ: JSONReader.Value? = nil
        var cty: JSONReader.Value? = nil
        var crit: JSONReader.Value? = nil
        var unsupported: StaticString? = nil

        /// Names are matched by length and packed bytes (see JSONReader.MemberName); escaped
        /// spellings ("\u0061lg") arrive unescaped, so they match too.
        mutating func record(_ name: JSONReader.MemberName, _ value: JSONReader.Value) {
            switch (name.length, name.word0) {
            case (3, 0x67_6c61): self.alg = value  // "alg"
            case (3, 0x64_696b): self.kid = value  // "kid"
            case (3, 0x70_7974): self.typ = value  // "typ"
            case (3, 0x79_7463): self.cty = value  // "cty"
            case (4, 0x7469_7263): self.crit = value  // "crit"
            case (3, 0x34_3662): self.unsupported = "b64 (RFC 7797 unencoded payloads)"  // "b64"
            case (3, 0x70_697a): self.unsupported = "zip"  // "zip"
            default: break
            }
        }
    }

    /// Parses and checks the protected header (steps 2–5).
    private static func readHeader(_ bytes: UnsafeRawBufferPointer, rules: Rules) throws(JWTAuthError) -> Header {
        var members = HeaderMembers()
        var reader = JSONReader(bytes, maxDepth: rules.maximumNestingDepth)
        do throws(JSONReader.Failure) {
            try reader.readObject { name, value in members.record(name, value) }
        } catch {
            throw .malformed("the header is not a valid JSON object: \(error)")
        }
        let (alg, kid, typ, cty, crit, unsupported) = (members.alg, members.kid, members.typ, members.cty, members.crit, members.unsupported)

        // alg
        guard let alg else { throw .malformed("the header has no alg") }
        guard case .string(let algRef) = alg else { throw .malformed("the header's alg is not a string") }
        let algorithm: JWSAlgorithm
        if algRef.hasEscapes {
            let unescaped = JSONReader.unescapedBytes(algRef, in: bytes)
            algorithm = try unescaped.withUnsafeBytesTyped { (raw) throws(JWTAuthError) -> JWSAlgorithm in
                try Self.algorithm(raw)
            }
        } else {
            algorithm = try Self.algorithm(UnsafeRawBufferPointer(rebasing: bytes[algRef.start..<algRef.end]))
        }
        if rules.algorithms & (1 << UInt32(algorithm.kind.rawValue)) == 0 {
            throw JWTAuthError(.algorithmRejected, "\(algorithm) is not an allowed algorithm")
        }

        // Members that must not be acted on.
        if let crit {
            guard case .array(let span) = crit,
                bytes[(span.start + 1)..<(span.end - 1)].contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) })
            else {
                throw .malformed("crit must be a non-empty array")
            }
            throw JWTAuthError(.headerUnsupported, "the header lists critical extensions (crit); none are supported")
        }
        if let unsupported {
            throw JWTAuthError(.headerUnsupported, "the header uses \(unsupported), which is not supported")
        }

        var header = Header(algorithm: algorithm)
        header.keyID = try Self.optionalString(kid, "kid")
        header.type = try Self.optionalString(typ, "typ")
        header.contentType = try Self.optionalString(cty, "cty")

        if rules.refusesNestedJWT, let contentType = header.contentType,
            Self.normalizedTypeEquals(contentType, in: bytes, "jwt")
        {
            throw JWTAuthError(.headerUnsupported, "nested JWTs (cty: JWT) are not supported")
        }
        if let types = rules.types {
            guard let type = header.type else {
                throw JWTAuthError(.typeInvalid, "the header has no typ; expected \(types.sorted().joined(separator: " or "))")
            }
            guard types.contains(where: { Self.normalizedTypeEquals(type, in: bytes, $0) }) else {
                throw JWTAuthError(.typeInvalid, "the token's typ is not \(types.sorted().joined(separator: " or "))")
            }
        }
        return header
    }

    @inline(__always)
    private static func index(of byte: UInt8, in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    private static func algorithm(_ raw: UnsafeRawBufferPointer) throws(JWTAuthError) -> JWSAlgorithm {
        if let algorithm = JWSAlgorithm.lookUp(raw) { return algorithm }
        // "none" in any spelling gets its own message: it is the attack, not a typo.
        if raw.count == 4, raw.map({ $0 | 0x20 }) == Array("none".utf8) {
            throw JWTAuthError(.algorithmRejected, "unsigned tokens (alg none) are never accepted")
        }
        throw JWTAuthError(.algorithmRejected, "the token's alg is not a supported JWS algorithm")
    }

    private static func optionalString(_ value: JSONReader.Value?, _ name: StaticString) throws(JWTAuthError) -> JSONReader.StringRef? {
        guard let value else { return nil }
        guard case .string(let ref) = value else { throw .malformed("the header's \(name) is not a string") }
        return ref
    }

    /// Compares a media type case-insensitively to a normalized one (lower case, no
    /// `application/` prefix), without allocating for the common unescaped case.
    static func normalizedTypeEquals(_ ref: JSONReader.StringRef, in bytes: UnsafeRawBufferPointer, _ normalized: String) -> Bool {
        if ref.hasEscapes {
            let text = JSONReader.string(ref, in: bytes)
            return JWTValidationPolicy.normalizedType(text) == normalized
        }
        var start = ref.start
        let prefix = "application/".utf8
        if ref.end - start > prefix.count,
            zip(prefix, bytes[start..<(start + prefix.count)]).allSatisfy({ $0 == Self.lowercased($1) })
        {
            start += prefix.count
        }
        var candidate = normalized.utf8.makeIterator()
        for index in start..<ref.end {
            guard let expected = candidate.next(), expected == Self.lowercased(bytes[index]) else { return false }
        }
        return candidate.next() == nil
    }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }
}

extension CompactJWS.Header {
    init(algorithm: JWSAlgorithm) {
        self.algorithm = algorithm
        self.keyID = nil
        self.type = nil
        self.contentType = nil
    }

    /// The public header, reusing the verifying key's `kid` string when it is the same one.
    func publicHeader(in bytes: UnsafeRawBufferPointer, key: JWTKey) -> JOSEHeader {
        JOSEHeader(
            algorithm: self.algorithm,
            keyID: self.keyID.map { _ in key.keyID ?? "" },
            type: self.type.map { JSONReader.string($0, in: bytes) },
            contentType: self.contentType.map { JSONReader.string($0, in: bytes) }
        )
    }
}
