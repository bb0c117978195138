#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// IP address text, read with `inet_pton` (so every spelling of one address reads the same).
package enum IPAddress {
    /// The address's bytes: 4 for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address gives its
    /// 4); nil when `text` is not an address.
    package static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return Array(bytes[12...])
        }
        return bytes
    }

    /// What a per-address limit counts: an IPv4 address, or an IPv6 address's /64 — one
    /// subscriber's network, whose 2^64 addresses would otherwise each get their own budget.
    package static func rateLimitKey(_ text: String) -> String {
        guard let bytes = Self.bytes(text) else { return text }
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let hex = bytes[0..<8].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return stride(from: 0, to: 8, by: 2).map { hex[$0] + hex[$0 + 1] }.joined(separator: ":") + "::/64"
    }
}
