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

    /// Decodes `input` into `output`, which must hold at least
    /// `decodedCount(forEncodedCount: input.count)` bytes. Returns the number of bytes written, or
    /// nil when `input` is not canonical base64url.
    static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard let outputCount = decodedCount(forEncodedCount: input.count) else { return nil }
        precondition(output.count >= outputCount, "base64url output buffer too small")
        guard let source = input.baseAddress, let target = output.baseAddress else { return 0 }
        return decodeTable.withUnsafeBufferPointer { table -> Int? in
            @inline(__always) func value(_ offset: Int) -> UInt32 {
                UInt32(table[Int(source.load(fromByteOffset: offset, as: UInt8.self))])
            }
            @inline(__always) func store(_ byte: UInt32, _ offset: Int) {
                target.storeBytes(of: UInt8(truncatingIfNeeded: byte), toByteOffset: offset, as: UInt8.self)
            }
            // Valid characters are 0...63 and invalid ones 0xFF (as are non-zero unused trailing
            // bits, shifted up): everything above 63 is collected and checked once at the end,
            // keeping the loop free of branches. (On failure the output holds garbage, which the
            // caller never reads.)
            var invalid: UInt32 = 0
            var inIndex = 0
            var outIndex = 0
            let fullQuads = input.count >> 2
            for _ in 0..<fullQuads {
                let a = value(inIndex)
                let b = value(inIndex + 1)
                let c = value(inIndex + 2)
                let d = value(inIndex + 3)
                invalid |= a | b | c | d
                let bits = a << 18 | b << 12 | c << 6 | d
                store(bits >> 16, outIndex)
                store(bits >> 8, outIndex + 1)
                store(bits, outIndex + 2)
                inIndex += 4
                outIndex += 3
            }
            switch input.count - inIndex {
            case 2:
                let a = value(inIndex)
                let b = value(inIndex + 1)
                // The unused low bits of the last character must be zero (canonical form).
                invalid |= a | b | (b & 0x0F) << 6
                store(a << 2 | b >> 4, outIndex)
                outIndex += 1
            case 3:
                let a = value(inIndex)
                let b = value(inIndex + 1)
                let c = value(inIndex + 2)
                invalid |= a | b | c | (c & 0x03) << 6
                store(a << 2 | b >> 4, outIndex)
                store(b << 4 | c >> 2, outIndex + 1)
                outIndex += 2
            default:
                break
            }
            return invalid & ~0x3F == 0 ? outIndex : nil
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
