import Crypto

/// An HMAC secret with its keyed hash state computed once.
///
/// `HMAC(key:)` pads the key and hashes both pads on every call; keeping the initialised state
/// and copying it per token saves two compression rounds and several allocations per verify,
/// which is most of the cost of an HS256 check over a small token.
struct HMACSecret: Sendable {
    let key: SymmetricKey
    private let state: State

    private enum State: Sendable {
        case sha256(HMAC<SHA256>)
        case sha384(HMAC<SHA384>)
        case sha512(HMAC<SHA512>)
    }

    init(key: SymmetricKey, algorithm: JWSAlgorithm) {
        self.key = key
        switch algorithm {
        case .hs384: self.state = .sha384(HMAC<SHA384>(key: key))
        case .hs512: self.state = .sha512(HMAC<SHA512>(key: key))
        default: self.state = .sha256(HMAC<SHA256>(key: key))
        }
    }

    /// The minimum secret length for an algorithm: the hash output size (RFC 7518 §3.2).
    static func minimumByteCount(for algorithm: JWSAlgorithm) -> Int {
        switch algorithm {
        case .hs384: 48
        case .hs512: 64
        default: 32
        }
    }

    func authenticationCode(for input: UnsafeRawBufferPointer) -> [UInt8] {
        switch self.state {
        case .sha256(let prepared): Self.code(prepared, input)
        case .sha384(let prepared): Self.code(prepared, input)
        case .sha512(let prepared): Self.code(prepared, input)
        }
    }

    func isValidAuthenticationCode(_ code: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer) -> Bool {
        switch self.state {
        case .sha256(let prepared): Self.check(prepared, code, input)
        case .sha384(let prepared): Self.check(prepared, code, input)
        case .sha512(let prepared): Self.check(prepared, code, input)
        }
    }

    private static func code<H: HashFunction>(_ prepared: HMAC<H>, _ input: UnsafeRawBufferPointer) -> [UInt8] {
        var hmac = prepared
        hmac.update(data: input)
        return Array(hmac.finalize())
    }

    private static func check<H: HashFunction>(
        _ prepared: HMAC<H>,
        _ code: UnsafeRawBufferPointer,
        _ input: UnsafeRawBufferPointer
    ) -> Bool {
        guard code.count == H.Digest.byteCount else { return false }
        var hmac = prepared
        hmac.update(data: input)
        return hmac.finalize().withUnsafeBytes { ConstantTime.equals($0, code) }
    }
}
