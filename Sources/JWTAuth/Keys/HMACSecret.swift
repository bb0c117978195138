import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An HMAC secret (RFC 2104) with both keyed hash states computed once.
///
/// The construction is HMAC itself — H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)) — over swift-crypto's
/// SHA-2, kept here rather than in `HMAC<H>` for speed: `HMAC(key:)` pads the key and hashes
/// both pads on every call, and its `update` goes through the generic `DataProtocol` path.
/// Keeping the two keyed states and feeding them raw buffers saves two compression rounds and
/// the generic dispatch per token, which is most of an HS256 check over a small token. Tests
/// check it against `HMAC<H>` and the RFC 4231 vectors. A class, so that copying a key retains
/// one reference rather than every hash context inside.
final class HMACSecret: Sendable {
    let key: SymmetricKey
    private let state: State

    private enum State {
        case sha256(inner: SHA256, outer: SHA256)
        case sha384(inner: SHA384, outer: SHA384)
        case sha512(inner: SHA512, outer: SHA512)
    }

    init(key: SymmetricKey, algorithm: JWSAlgorithm) {
        self.key = key
        switch algorithm {
        case .hs384: self.state = Self.prepare(key, SHA384.self) { .sha384(inner: $0, outer: $1) }
        case .hs512: self.state = Self.prepare(key, SHA512.self) { .sha512(inner: $0, outer: $1) }
        default: self.state = Self.prepare(key, SHA256.self) { .sha256(inner: $0, outer: $1) }
        }
    }

    /// The hash states after absorbing K ⊕ ipad and K ⊕ opad (K hashed first if longer than a
    /// block, then zero-padded to one).
    private static func prepare<H: HashFunction>(_ key: SymmetricKey, _: H.Type, _ make: (H, H) -> State) -> State {
        var block = key.withUnsafeBytes { bytes -> [UInt8] in
            guard bytes.count > H.blockByteCount else { return Array(bytes) }
            var hasher = H()
            hasher.update(bufferPointer: bytes)
            return Array(hasher.finalize())
        }
        block += [UInt8](repeating: 0, count: H.blockByteCount - block.count)
        var inner = H()
        var outer = H()
        let innerPad = block.map { $0 ^ 0x36 }
        let outerPad = block.map { $0 ^ 0x5C }
        innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        return make(inner, outer)
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
        case .sha256(let inner, let outer): Array(Self.code(inner, outer, input))
        case .sha384(let inner, let outer): Array(Self.code(inner, outer, input))
        case .sha512(let inner, let outer): Array(Self.code(inner, outer, input))
        }
    }

    func isValidAuthenticationCode(_ code: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer) -> Bool {
        switch self.state {
        case .sha256(let inner, let outer): Self.check(inner, outer, code, input)
        case .sha384(let inner, let outer): Self.check(inner, outer, code, input)
        case .sha512(let inner, let outer): Self.check(inner, outer, code, input)
        }
    }

    @inline(__always)
    private static func code<H: HashFunction>(_ inner: H, _ outer: H, _ input: UnsafeRawBufferPointer) -> H.Digest {
        var inner = inner
        inner.update(bufferPointer: input)
        let innerDigest = inner.finalize()
        var outer = outer
        innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }

    @inline(__always)
    private static func check<H: HashFunction>(
        _ inner: H,
        _ outer: H,
        _ code: UnsafeRawBufferPointer,
        _ input: UnsafeRawBufferPointer
    ) -> Bool {
        guard code.count == H.Digest.byteCount else { return false }
        return Self.code(inner, outer, input).withUnsafeBytes { ConstantTime.equals($0, code) }
    }
}
