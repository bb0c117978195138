public import JWTAuth

extension ServerStores {
    /// The same stores, each call timed and traced (`jwtauth_store_operation_duration_seconds`
    /// and a span per call), labelled with the kind of store that answers it.
    public func instrumented(_ configuration: ServerConfiguration, metrics: JWTAuthMetrics) -> ServerStores {
        let database = configuration.effectiveDatabase.hasPrefix("sqlite:") ? "sqlite" : "postgres"
        let sessions = configuration.sessions == nil ? database : "redis"
        return ServerStores(
            sessions: InstrumentedSessionStore(self.sessions, store: sessions, metrics: metrics),
            users: InstrumentedUserStore(self.users, store: database, metrics: metrics),
            signingKeys: InstrumentedSigningKeyStore(self.signingKeys, store: database, metrics: metrics),
            clients: InstrumentedClientStore(self.clients, store: database, metrics: metrics),
            audit: InstrumentedAuditStore(self.audit, store: database, metrics: metrics),
            loginLimits: InstrumentedLoginLimitStore(self.loginLimits, store: Self.loginLimitStoreLabel(configuration), metrics: metrics),
            closeAll: self.closeAll
        )
    }

    /// Where the failed-login counts live: with Redis sessions in Redis, else in PostgreSQL, and
    /// in memory beside SQLite (as ``ServerStores`` chooses).
    static func loginLimitStoreLabel(_ configuration: ServerConfiguration) -> String {
        if configuration.sessions != nil { return "redis" }
        return configuration.effectiveDatabase.hasPrefix("sqlite:") ? "memory" : "postgres"
    }
}
