import Crypto

/// A Lua script with its SHA-1, so `RedisClient.evaluate` can send the short `EVALSHA` and fall
/// back to the full source only when a server has not cached it yet.
package struct RedisScript: Sendable, Hashable {
    package let source: String
    /// Lowercase hex, as `SCRIPT LOAD` answers it.
    package let sha1: String

    package init(source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8))
            .map { byte in
                let hex = String(byte, radix: 16)
                return byte < 0x10 ? "0" + hex : hex
            }
            .joined()
    }
}
