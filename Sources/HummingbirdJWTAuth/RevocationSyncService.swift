public import JWTAuth
public import Logging
public import ServiceLifecycle

/// Keeps this instance's revocation cache, and its revocation feed for other services, in
/// step with what every instance revokes: ``RevocationSync`` as a service that ends on
/// graceful shutdown.
///
/// Run it (in a `ServiceGroup`, or as one of a Hummingbird `Application`'s services) in every
/// process whose ``SessionManager`` shares a store with other instances: a token server, or an
/// API that verifies tokens against the same store. Without it, that process sees only its own
/// revocations.
public struct RevocationSyncService: Service {
    /// The loop this service runs.
    public let sync: RevocationSync

    /// The engine whose revocation cache is kept up to date.
    public var sessions: SessionManager { self.sync.sessions }
    /// How often the log is read when the store has no push channel (SQLite).
    public var pollInterval: Duration { self.sync.pollInterval }
    /// How often the log is read when a push channel delivers revocations anyway.
    public var backstopInterval: Duration { self.sync.backstopInterval }
    /// How often expired sessions and old revocations are purged from the store.
    public var purgeInterval: Duration { self.sync.purgeInterval }

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - sessions: The engine whose revocation cache to keep up to date.
    ///   - pollInterval: How often to read the log of a store without a push channel.
    ///   - backstopInterval: How often to read the log when the store pushes revocations.
    ///   - purgeInterval: How often to purge expired sessions and revocations.
    ///   - initialCursor: Where the log was read up to (``SessionManager/loadRevocations(after:)``
    ///     at start); nil reads it from the start.
    ///   - logger: Where outages and recoveries are logged.
    public init(
        sessions: SessionManager,
        pollInterval: Duration = .milliseconds(50),
        backstopInterval: Duration = .seconds(1),
        purgeInterval: Duration = .seconds(600),
        initialCursor: RevocationCursor? = nil,
        logger: Logger = Logger(label: "jwtauth.revocations")
    ) {
        self.sync = RevocationSync(
            sessions: sessions,
            pollInterval: pollInterval,
            backstopInterval: backstopInterval,
            purgeInterval: purgeInterval,
            initialCursor: initialCursor,
            logger: logger
        )
    }

    /// Follows the store until graceful shutdown.
    public func run() async throws {
        let sync = self.sync
        await cancelWhenGracefulShutdown { await sync.run() }
    }
}
