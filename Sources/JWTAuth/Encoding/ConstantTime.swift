#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Comparisons of secret bytes whose running time does not depend on where they differ.
enum ConstantTime {
    /// True when both buffers hold the same bytes. The length is not secret; the contents are.
    static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }

    /// True when both byte sequences are equal, compared in constant time for equal lengths.
    static func equals(_ a: some ContiguousBytes, _ b: some ContiguousBytes) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in equals(a, b) } }
    }
}
