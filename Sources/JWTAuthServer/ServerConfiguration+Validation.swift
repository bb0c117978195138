public import JWTAuth
import JWTAuthPrometheus

extension ServerConfiguration {
    /// Checks that every setting is usable, so that a mistake is an error at start-up rather
    /// than a crash or a surprise later (a bcrypt cost outside 4…31 would trap in the hasher,
    /// a zero poll interval would spin). ``buildApplication(configuration:logger:clock:metricsFactory:onListening:onMetricsListening:)``
    /// calls it first.
    ///
    /// - Throws: `invalid_input`, naming the first setting that is out of range.
    public func validate() throws(JWTAuthError) {
        func require(_ condition: Bool, _ message: String) throws(JWTAuthError) {
            if !condition { throw JWTAuthError(.invalidInput, "invalid configuration: \(message)") }
        }
        try require((0...65535).contains(self.port), "port must be 0…65535")
        try require(!self.host.isEmpty, "host must not be empty")
        try require((4...31).contains(self.bcryptCost), "bcryptCost must be 4…31 (at least 10 outside tests)")
        try require(self.session.accessTokenLifetime >= .seconds(1), "session.accessTokenLifetime must be at least 1 s")
        try require(self.session.refreshTokenLifetime >= .seconds(1), "session.refreshTokenLifetime must be at least 1 s")
        try require(self.session.sessionLifetime >= .seconds(1), "session.sessionLifetime must be at least 1 s")
        try require(self.session.reuseInterval >= .zero, "session.reuseInterval must not be negative")
        try require(self.session.leeway >= .zero && self.session.leeway <= JWTValidationPolicy.maximumLeeway, "session.leeway must be 0…300 s")
        try require(self.session.maximumSessionsPerUser >= 1, "session.maximumSessionsPerUser must be at least 1")
        try require(self.keyRotationInterval >= .zero, "keyRotationInterval must not be negative (zero: by hand only)")
        try require(self.keyPublishAhead >= .zero, "keyPublishAhead must not be negative")
        try require(self.keyPollInterval > .zero, "keyPollInterval must be positive")
        try require(self.keysDirectoryPollInterval > .zero, "keysDirectoryPollInterval must be positive")
        try require(self.revocationPollInterval > .zero, "revocationPollInterval must be positive")
        // Zero would be a busy loop. (`jwtauth serve` also caps it at 60 s, the readers' default
        // stale limit; a library caller may run readers with a longer one.)
        try require(self.revocationHeartbeat >= .milliseconds(100), "revocationHeartbeat must be at least 100 ms")
        for (name, limit) in [
            ("loginLimitPerUsername", self.loginLimitPerUsername), ("loginLimitPerAddress", self.loginLimitPerAddress),
            ("registrationLimit", self.registrationLimit),
        ] {
            try require(limit.attempts >= 1 && limit.window > .zero, "\(name) needs at least one attempt in a positive window")
        }
        if let retention = self.auditRetention {
            try require(retention >= .zero, "auditRetention must not be negative")
        }
        try require(self.headerReadTimeout >= .milliseconds(100), "headerReadTimeout must be at least 100 ms")
        try require(self.idleTimeout >= .milliseconds(100), "idleTimeout must be at least 100 ms")
        for origin in self.allowedOrigins {
            try require(Self.isOrigin(origin), "allowedOrigins takes origins like https://app.example.com (no path)")
        }
        _ = try TrustedProxies(self.trustedProxies)
        if let listen = self.metricsListen {
            try require(PrometheusExporter.parseListenAddress(listen) != nil, "metricsListen takes HOST:PORT, e.g. 127.0.0.1:9464")
        }
    }
}
