import JWTAuth
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps this instance's revocation cache in step with what every instance revokes.
///
/// Stores with a push channel (PostgreSQL NOTIFY, Redis pub/sub) deliver revocations as they
/// commit; each is recorded at once. The store's revocation log is also read from a cursor —
/// on its own schedule as a safety net, and immediately whenever the push channel
/// (re)connects — so what happened during an outage is caught up. Stores without a push
/// channel are polled every `pollInterval`. Expired sessions and old revocations are purged
/// every `purgeInterval`.
struct RevocationSyncService: Service {
    let sessions: SessionManager
    let pollInterval: Duration
    /// How often the log is read when a push channel delivers revocations anyway.
    let backstopInterval: Duration
    let purgeInterval: Duration
    let logger: Logger
    let initialCursor: RevocationCursor?

    /// Set by the feed when it (re)connects; the log reader then reads at once.
    private final class CatchUpFlag: Sendable {
        let requested = Atomic<Bool>(false)
    }

    func run() async throws {
        let catchUp = CatchUpFlag()
        let feed = self.sessions.sessions.revocationFeed()
        await withTaskGroup(of: Bool.self) { group in
            if let feed {
                group.addTask {
                    for await message in feed.cancelOnGracefulShutdown() {
                        switch message {
                        case .connected:
                            catchUp.requested.store(true, ordering: .sequentiallyConsistent)
                        case .revoked(let event):
                            self.sessions.revocations.record(event)
                        }
                    }
                    return false
                }
            }
            group.addTask {
                await self.readLog(every: feed == nil ? self.pollInterval : self.backstopInterval, catchUp: catchUp)
                return true
            }
            // The log reader ends with the service (graceful shutdown); then stop the feed.
            while let finished = await group.next() {
                if finished { group.cancelAll() }
            }
        }
    }

    private func readLog(every interval: Duration, catchUp: CatchUpFlag) async {
        var cursor = self.initialCursor
        var lastRead = ContinuousClock.now
        var lastPurge = ContinuousClock.now
        var failing = false
        let tick = min(self.pollInterval, interval)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
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
                    if !failing { self.logger.warning("cannot read the revocation log; retrying", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
            let pause = failing ? max(tick, .milliseconds(250)) : tick
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return
            }
        }
    }
}

/// Closes stores and thread pools after the HTTP server has drained.
struct ShutdownService: Service {
    let onShutdown: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        // In an unstructured task: when the group is cancelled rather than shut down
        // gracefully, closing must still run to completion (an open SQLite handle would be
        // leaked, and a debug build traps on it).
        let onShutdown = self.onShutdown
        await Task { await onShutdown() }.value
    }
}
