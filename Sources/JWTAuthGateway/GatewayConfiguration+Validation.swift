public import JWTAuth
import JWTAuthPrometheus

extension GatewayConfiguration {
    /// Checks what can be checked before starting.
    ///
    /// - Throws: `invalid_input` naming the first problem.
    public func validate() throws(JWTAuthError) {
        _ = try UpstreamURL(self.upstream)
        guard self.issuer.hasPrefix("https://") || self.issuer.hasPrefix("http://") else {
            throw JWTAuthError(.invalidInput, "--issuer must be an http(s) URL")
        }
        guard (0...65535).contains(self.port) else { throw JWTAuthError(.invalidInput, "--port must be 0…65535") }
        for prefix in self.publicPrefixes where !prefix.hasPrefix("/") {
            throw JWTAuthError(.invalidInput, "--public takes path prefixes that start with / (got \(prefix))")
        }
        switch (self.clientID, self.clientSecret) {
        case (nil, nil):
            // No feed: a revoked token could not be told from a good one. The operator must
            // say that this is what they want.
            guard self.revocationStaleLimit == .zero else {
                throw JWTAuthError(
                    .invalidInput,
                    "without --client-id the gateway cannot read the revocation feed; give --client-id and --client-secret-file, or --revocation-stale-limit 0 to accept revoked tokens until they expire"
                )
            }
        case (.some, .some):
            break
        default:
            throw JWTAuthError(.invalidInput, "--client-id and --client-secret-file go together")
        }
        guard self.upstreamTimeout > .zero, self.jwksRefetchCooldown >= .zero, self.revocationStaleLimit >= .zero else {
            throw JWTAuthError(.invalidInput, "durations must not be negative, and --upstream-timeout must be more than 0")
        }
        guard self.maximumUpstreamConnections >= 1 else { throw JWTAuthError(.invalidInput, "at least one upstream connection is needed") }
        if let listen = self.metricsListen, PrometheusExporter.parseListenAddress(listen) == nil {
            throw JWTAuthError(.invalidInput, "--metrics-listen takes HOST:PORT, e.g. 127.0.0.1:9465")
        }
    }

    /// True when the gateway follows the revocation feed (it has client credentials).
    public var followsRevocations: Bool { self.clientID != nil }
}
