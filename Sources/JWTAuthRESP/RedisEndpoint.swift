/// A Redis server's address: one of the configuration's hosts, or a cluster node learned from
/// `CLUSTER SLOTS` or a redirect.
package struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 literal in brackets.
    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Reads `host:port` as it appears in `MOVED`/`ASK` replies; the port is after the last
    /// colon, so a bare IPv6 literal works. An empty host (Redis 7 sends `:6380` when a node's
    /// address is unknown to it) means `defaultHost`, the node that sent the reply.
    package init?(redirectTarget: Substring, defaultHost: String) {
        guard let colon = redirectTarget.lastIndex(of: ":"), let port = Int(redirectTarget[redirectTarget.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(redirectTarget[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? defaultHost : host, port: port)
    }
}
