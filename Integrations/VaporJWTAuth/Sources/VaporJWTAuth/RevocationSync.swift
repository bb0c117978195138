import JWTAuth
import Logging
import Synchronization

/// Keeps an app's revocation cache (and its revocation feed for other services) in step with
/// what every instance sharing its store revokes — the loop Hummingbird's
/// `RevocationSyncService` runs, without ServiceLifecycle: it runs until its task is cancelled.
///
/// Push channels (PostgreSQL NOTIFY, Redis pub/sub) deliver revocations as they commit; the
/// store's log is also read from a cursor, on a backstop schedule and whenever the push
/// channel (re)connects, so what happened during an outage is caught up. A store without a
/// push channel (SQLite) is polled. Expired sessions and old revocations are purged now and
/// then.
struct RevocationSync: Sendable {
    let sessions: SessionManager
    let pollInterval: Duration
    let backstopInterval: Duration
    let purgeInterval: Duration
    let initialCursor: RevocationCursor?
    let logger: Logger

    private final class CatchUpFlag: Sendable {
        let requested = Atomic<Bool>(false)
    }

    func run() async {
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
            // Cancelled: stop following the push channel too.
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
                    if Task.isCancelled { return }
                    if !failing { self.logger.warning("cannot read the revocation log; retrying", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
            self.sessions.metrics.recordRevocationFeedLag(ContinuousClock.now - lastRead)
            do {
                try await Task.sleep(for: failing ? max(tick, .milliseconds(250)) : tick)
            } catch {
                return
            }
        }
    }
}
