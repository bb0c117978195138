/// The reverse proxies (load balancers, TLS terminators) whose `X-Forwarded-For` is believed.
///
/// Behind a proxy every connection comes from the proxy, so the login limit per client
/// address would count everyone together — one attacker could lock every user out. With the
/// proxies named here, the client is the rightmost address in `X-Forwarded-For` that is not
/// one of them. Entries a client wrote itself (to the left) are never believed, and with no
/// proxies configured the header is ignored altogether.
///
/// ```swift
/// let proxies = try TrustedProxies(["10.0.0.0/8", "fd00::/8", "127.0.0.1"])
/// ```
public struct TrustedProxies: Sendable, Hashable {
    /// One trusted network: its address bytes (4 or 16) and prefix length.
    struct Network: Sendable, Hashable {
        var bytes: [UInt8]
        var prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == self.bytes.count else { return false }
            var remaining = self.prefixLength
            for (index, byte) in self.bytes.enumerated() where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if address[index] & mask != byte & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let networks: [Network]

    /// No proxy is trusted: the connection's peer is the client.
    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) {
        self.networks = networks
    }

    /// Trusts the given addresses and networks (`192.0.2.7`, `10.0.0.0/8`, `2001:db8::/32`).
    ///
    /// - Throws: `invalid_input` naming the first entry that is not an address or network.
    public init(_ entries: [String]) throws(JWTAuthError) {
        var networks: [Network] = []
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = IPAddress.bytes(String(parts[0])) else {
                throw JWTAuthError(.invalidInput, "\"\(entry)\" is not an IP address or network")
            }
            var prefixLength = bytes.count * 8
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...bytes.count * 8).contains(length) else {
                    throw JWTAuthError(.invalidInput, "\"\(entry)\" has an invalid prefix length")
                }
                prefixLength = length
            }
            networks.append(Network(bytes: bytes, prefixLength: prefixLength))
        }
        self.networks = networks
    }

    /// True when no proxy is trusted.
    public var isEmpty: Bool { self.networks.isEmpty }

    /// True when `address` is a trusted proxy.
    public func contains(_ address: String) -> Bool {
        guard let bytes = IPAddress.bytes(address) else { return false }
        return self.networks.contains { $0.contains(bytes) }
    }

    /// The client's address: `peer` itself unless it is a trusted proxy, else the rightmost
    /// address of `forwardedFor` (the `X-Forwarded-For` field lines, in order) that is not.
    /// A malformed entry ends the walk at the last trusted hop.
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, !self.networks.isEmpty, self.contains(peer) else { return peer }
        var client = peer
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces() }
        for hop in hops.reversed() {
            guard IPAddress.bytes(hop) != nil else { break }
            client = hop
            if !self.contains(hop) { break }
        }
        return client
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
