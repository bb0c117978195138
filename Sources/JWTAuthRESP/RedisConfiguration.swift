/// Where Redis is and how to talk to it, read once from a URL at the edge (see
/// `init(url:)`) or built directly by tests.
package struct RedisConfiguration: Sendable {
    /// One server, or the seed nodes of a cluster (any reachable one tells the client the rest).
    package var endpoints: [(host: String, port: Int)]
    package var isCluster: Bool
    /// TLS to every server (`rediss://`); `nil` is plain TCP.
    package var tls: RedisTLSConfiguration?
    /// An ACL user (Redis 6+); `nil` with a password means the `requirepass` form `AUTH password`.
    package var username: String?
    /// Kept out of `description`, `debugDescription`, mirrors and every error message.
    package var password: String?
    /// Chosen with `SELECT` on every connection; a cluster has only database 0.
    package var database: Int
    /// 2 (default) or 3, which is negotiated with `HELLO 3` on every connection.
    package var protocolVersion: Int
    /// For the TCP connect and the TLS handshake; the Redis handshake after them (`AUTH`,
    /// `SELECT`) is bounded by `commandTimeout`.
    package var connectTimeout: Duration
    /// How long a command may wait for its reply before it fails with `.timeout`.
    package var commandTimeout: Duration
    /// Connections per server, each pipelining many commands.
    package var poolSize: Int
    /// Reconnect delays double from the first to the last after each failed attempt.
    package var reconnectBackoff: (first: Duration, maximum: Duration)
    /// `MOVED`/`ASK` redirects followed for one command before it fails.
    package var maximumRedirects: Int

    package init(
        endpoints: [(host: String, port: Int)] = [(host: "127.0.0.1", port: 6379)],
        isCluster: Bool = false,
        tls: RedisTLSConfiguration? = nil,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        protocolVersion: Int = 2,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2),
        poolSize: Int = 4,
        reconnectBackoff: (first: Duration, maximum: Duration) = (.milliseconds(50), .seconds(2)),
        maximumRedirects: Int = 5
    ) {
        self.endpoints = endpoints
        self.isCluster = isCluster
        self.tls = tls
        self.username = username
        self.password = password
        self.database = database
        self.protocolVersion = protocolVersion
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.poolSize = poolSize
        self.reconnectBackoff = reconnectBackoff
        self.maximumRedirects = maximumRedirects
    }

    /// The endpoints as values; an empty list (only possible when built by hand) means the
    /// default local server, so routing code never indexes an empty array.
    package var redisEndpoints: [RedisEndpoint] {
        let all = endpoints.map { RedisEndpoint(host: $0.host, port: $0.port) }
        return all.isEmpty ? [RedisEndpoint(host: "127.0.0.1", port: 6379)] : all
    }

    /// The wait before reconnect attempt `failures + 1`, after `failures` failed in a row.
    package func reconnectDelay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = reconnectBackoff.first
        for _ in 1..<min(failures, 32) where delay < reconnectBackoff.maximum {
            delay *= 2
        }
        return min(delay, reconnectBackoff.maximum)
    }
}
