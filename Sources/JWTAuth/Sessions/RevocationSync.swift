public import Logging
import Synchronization

/// Keeps a ``SessionManager``'s revocation cache, and its revocation feed for other services,
/// in step with what every instance sharing its store revokes; runs until its task is
/// cancelled, so any framework's lifecycle can drive it (Hummingbird's
/// `RevocationSyncService` and Vapor's lifecycle handler both do).
///
/// Stores with a push channel (PostgreSQL NOTIFY, Redis pub/sub) deliver revocations as they
/// commit; each is recorded at once and sent live to the feed's readers. The store's revocation
/// log is also read from a cursor (its entries fill the feed's journal, with their cursors) —
/// on its own schedule as a safety net, and immediately whenever the push channel
/// (re)connects — so what happened during an outage is caught up. Stores without a push
/// channel are polled every `pollInterval`. Expired sessions and old revocations are purged
/// every `purgeInterval`.
public struct RevocationSync: Sendable {
    /// The engine whose revocation cache is kept up to date.
    public let sessions: SessionManager
    /// How often the log is read when the store has no push channel (SQLite).
    public let pollInterval: Duration
    /// How often the log is read when a push channel delivers revocations anyway.
    public let backstopInterval: Duration
    /// How often expired sessions and old revocations are purged from the store.
    public let purgeInterval: Duration
    let initialCursor: RevocationCursor?
    let logger: Logger

    /// Creates the loop.
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
        self.sessions = sessions
        self.pollInterval = pollInterval
        self.backstopInterval = backstopInterval
        self.purgeInterval = purgeInterval
        self.initialCursor = initialCursor
        self.logger = logger
    }

    /// Set by the feed when it (re)connects; the log reader then reads at once.
    private final class CatchUpFlag: Sendable {
        let requested = Atomic<Bool>(false)
    }

    /// Follows the store until the calling task is cancelled.
    public func run() async {
        let catchUp = CatchUpFlag()
        let feed = self.sessions.sessions.revocationFeed()
        await withTaskGroup(of: Void.self) { group in
            if let feed {
                group.addTask {
                    for await message in feed {
                        switch message {
                        case .connected:
                            catchUp.requested.store(true, ordering: .sequentiallyConsistent)
                        case .revoked(let event):
                            self.sessions.recordRevocation(event)
                        }
                    }
                }
            }
            await self.readLog(every: feed == nil ? self.pollInterval : self.backstopInterval, catchUp: catchUp)
            // The log reader ends only when cancelled: stop following the push channel too.
            group.cancelAll()
        }
    }

    private func readLog(every interval: Duration, catchUp: CatchUpFlag) async {
        var cursor = self.initialCursor
        var lastRead = ContinuousClock.now
        var lastPurge = ContinuousClock.now
        var failing = false
        let tick = min(self.pollInterval, interval)
        while !Task.isCancelled {
            let requested = catchUp.requested.exchange(false, ordering: .sequentiallyConsistent)
            if requested || failing || ContinuousClock.now - lastRead >= interval {
                do {
                    cursor = try await self.sessions.loadRevocations(after: cursor)
                    lastRead = ContinuousClock.now
                    if failing {
                        self.logger.info("revocation log reachable again; caught up")
                        failing = false
                    }
                    if ContinuousClock.now - lastPurge >= self.purgeInterval {
                        lastPurge = ContinuousClock.now
                        try await self.sessions.sessions.purgeExpired(
                            at: self.sessions.clock.now,
                            revocationRetention: self.sessions.configuration.revocationRetention
                        )
                        self.sessions.revocations.prune(now: self.sessions.clock.now)
                    }
                } catch {
                    // A store call cut short by cancellation is the end, not an outage.
                    if Task.isCancelled { return }
                    if !failing { self.logger.warning("cannot read the revocation log; retrying", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
            // Revocations made elsewhere reach this instance within this much (plus the push
            // channel's delay when there is one): what an operator alerts on.
            self.sessions.metrics.recordRevocationFeedLag(ContinuousClock.now - lastRead)
            do {
                try await Task.sleep(for: failing ? max(tick, .milliseconds(250)) : tick)
            } catch {
                return
            }
        }
    }
}
