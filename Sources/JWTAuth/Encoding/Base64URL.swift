#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Strict base64url (RFC 4648 §5) without padding, as JOSE requires (RFC 7515 §2).
///
/// The decoder accepts exactly one spelling of each byte string: no `=` padding, no whitespace,
/// no `+` or `/`, no length that leaves a single dangling character, and the unused low bits of
/// the last character must be zero. Anything else is rejected, so two different token strings
/// can never carry the same bytes (RFC 8725 §3.10).
enum Base64URL {
    /// 0...63 for alphabet characters, 0xFF for everything else.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    private static let encodeTable: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8
    )

    /// The number of bytes `count` base64url characters decode to, or nil when no canonical
    /// encoding has that length.
    @inline(__always)
    static func decodedCount(forEncodedCount count: Int) -> Int? {
        let remainder = count & 3
        if remainder == 1 { return nil }
        return (count >> 2) * 3 + (remainder == 0 ? 0 : remainder - 1)
    }

    /// The number of characters that encode `count` bytes, without padding.
    @inline(__always)
    static func encodedCount(forDecodedCount count: Int) -> Int {
        (count / 3) * 4 + [0, 2, 3][count % 3]
    }

    /// `decodeTable`'s four quarters, pre-shifted: entry `256 * k + c` holds the six bits of
    /// character `c` at position `k` of a quad, already moved into place in the 24-bit group, or
    /// 0xFF00_0000 when `c` is not in the alphabet. A quad then decodes with four loads and
    /// three ORs, and an invalid character shows up in the top byte.
    private static let quadTable: [UInt32] = {
        var table = [UInt32](repeating: 0xFF00_0000, count: 1024)
        for character in 0..<256 where decodeTable[character] != 0xFF {
            let value = UInt32(decodeTable[character])
            for position in 0..<4 {
                table[256 * position + character] = value << (18 - 6 * position)
            }
        }
        return table
    }()

    /// Decodes `input` into `output`, which must hold at least
    /// `decodedCount(forEncodedCount: input.count)` bytes. Returns the number of bytes written, or
    /// nil when `input` is not canonical base64url.
    static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard let outputCount = decodedCount(forEncodedCount: input.count) else { return nil }
        precondition(output.count >= outputCount, "base64url output buffer too small")
        guard let source = input.baseAddress, let target = output.baseAddress else { return 0 }
        return quadTable.withUnsafeBufferPointer { table -> Int? in
            @inline(__always) func bits(_ offset: Int, _ position: Int) -> UInt32 {
                table[256 &* position &+ Int(source.load(fromByteOffset: offset, as: UInt8.self))]
            }
            @inline(__always) func quad(_ offset: Int) -> UInt32 {
                bits(offset, 0) | bits(offset &+ 1, 1) | bits(offset &+ 2, 2) | bits(offset &+ 3, 3)
            }
            @inline(__always) func store(_ byte: UInt32, _ offset: Int) {
                target.storeBytes(of: UInt8(truncatingIfNeeded: byte), toByteOffset: offset, as: UInt8.self)
            }
            // Invalid characters (and non-zero unused trailing bits, shifted up) set bits above
            // the 24-bit group: they are collected and checked once at the end, keeping the
            // loop free of branches. (On failure the output holds garbage, which the caller
            // never reads.)
            var invalid: UInt32 = 0
            var inIndex = 0
            var outIndex = 0
            let fullQuads = input.count >> 2
            // While a 4-byte store stays inside `output`, write the group's three bytes with
            // one store (its fourth byte is overwritten by the next group).
            let wideQuads = Swift.min(fullQuads, Swift.max(0, (output.count &- 1) / 3))
            for _ in 0..<wideQuads {
                let group = quad(inIndex)
                invalid |= group
                target.storeBytes(of: (group << 8).bigEndian, toByteOffset: outIndex, as: UInt32.self)
                inIndex &+= 4
                outIndex &+= 3
            }
            for _ in wideQuads..<fullQuads {
                let group = quad(inIndex)
                invalid |= group
                store(group >> 16, outIndex)
                store(group >> 8, outIndex &+ 1)
                store(group, outIndex &+ 2)
                inIndex &+= 4
                outIndex &+= 3
            }
            switch input.count &- inIndex {
            case 2:
                let group = bits(inIndex, 0) | bits(inIndex &+ 1, 1)
                // The unused low bits of the last character must be zero (canonical form).
                invalid |= group | (group & 0xF000) << 12
                store(group >> 16, outIndex)
                outIndex &+= 1
            case 3:
                let group = bits(inIndex, 0) | bits(inIndex &+ 1, 1) | bits(inIndex &+ 2, 2)
                invalid |= group | (group & 0x00C0) << 18
                store(group >> 16, outIndex)
                store(group >> 8, outIndex &+ 1)
                outIndex &+= 2
            default:
                break
            }
            return invalid & 0xFF00_0000 == 0 ? outIndex : nil
        }
    }

    /// Decodes a base64url string into bytes, or nil when it is not canonical base64url.
    static func decode(_ string: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(string.utf8)
        return utf8.withUnsafeBytes { input -> [UInt8]? in
            guard let count = decodedCount(forEncodedCount: input.count) else { return nil }
            var failed = false
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard let written = decode(input, into: UnsafeMutableRawBufferPointer(buffer)) else {
                    failed = true
                    initialized = 0
                    return
                }
                initialized = written
            }
            return failed ? nil : bytes
        }
    }

    /// Appends the base64url encoding of `bytes` to `output`.
    static func encode(_ bytes: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        let count = encodedCount(forDecodedCount: bytes.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: count))
        output.withUnsafeMutableBytes { out in
            let target = UnsafeMutableRawBufferPointer(rebasing: out[start...])
            Self.encode(bytes, into: target)
        }
    }

    /// Writes the base64url encoding of `bytes` into `output`, which holds exactly
    /// `encodedCount(forDecodedCount: bytes.count)` bytes.
    static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        guard let source = bytes.baseAddress, let target = output.baseAddress else { return }
        encodeTable.withUnsafeBufferPointer { table in
            @inline(__always) func put(_ bits: UInt32, _ offset: Int) {
                target.storeBytes(of: table[Int(bits & 0x3F)], toByteOffset: offset, as: UInt8.self)
            }
            @inline(__always) func byte(_ offset: Int) -> UInt32 {
                UInt32(source.load(fromByteOffset: offset, as: UInt8.self))
            }
            var i = 0
            var o = 0
            let whole = bytes.count - bytes.count % 3
            while i < whole {
                let bits = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2)
                put(bits >> 18, o)
                put(bits >> 12, o + 1)
                put(bits >> 6, o + 2)
                put(bits, o + 3)
                i += 3
                o += 4
            }
            switch bytes.count - whole {
            case 1:
                let bits = byte(i) << 16
                put(bits >> 18, o)
                put(bits >> 12, o + 1)
            case 2:
                let bits = byte(i) << 16 | byte(i + 1) << 8
                put(bits >> 18, o)
                put(bits >> 12, o + 1)
                put(bits >> 6, o + 2)
            default:
                break
            }
        }
    }

    /// The base64url encoding of `bytes`, without padding.
    static func encodedString(_ bytes: some ContiguousBytes) -> String {
        var output: [UInt8] = []
        bytes.withUnsafeBytes { buffer in
            output.reserveCapacity(encodedCount(forDecodedCount: buffer.count))
            encode(buffer, appendingTo: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }
}
