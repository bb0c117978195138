extension GatewayConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The configuration with the client secret redacted: configurations end up in logs and
    /// error messages through string interpolation.
    public var description: String {
        "GatewayConfiguration(host: \(self.host), port: \(self.port), issuer: \(self.issuer), upstream: \(self.upstream), "
            + "clientID: \(self.clientID ?? "nil"), clientSecret: \(self.clientSecret == nil ? "nil" : "<redacted>"), "
            + "revocationStaleLimit: \(self.revocationStaleLimit))"
    }

    /// The same as ``description``: `debugPrint` and `String(reflecting:)` never show the
    /// secret.
    public var debugDescription: String { self.description }

    /// Every property, the client secret redacted, so that `dump` and debuggers never show it.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": self.host,
                "port": self.port,
                "issuer": self.issuer,
                "upstream": self.upstream,
                "audience": self.audience as Any,
                "clientID": self.clientID as Any,
                "clientSecret": self.clientSecret == nil ? "nil" : "<redacted>",
                "revocationStaleLimit": self.revocationStaleLimit,
                "jwksRefetchCooldown": self.jwksRefetchCooldown,
                "upstreamTimeout": self.upstreamTimeout,
                "requiredRole": self.requiredRole as Any,
                "allowsClientTokens": self.allowsClientTokens,
                "publicPrefixes": self.publicPrefixes,
                "maximumUpstreamConnections": self.maximumUpstreamConnections,
                "metricsListen": self.metricsListen as Any,
            ],
            displayStyle: .struct
        )
    }
}
