import JWTAuth
import Logging
import ServiceLifecycle

/// Keeps this instance's revocation cache in step with the store — the store's push feed when
/// it has one, otherwise polling its revocation log — and purges what no longer matters.
///
/// After an outage it reads everything it missed (from its cursor) before going on, so a
/// revocation made on another instance meanwhile is not forgotten.
struct RevocationSyncService: Service {
    let sessions: SessionManager
    let pollInterval: Duration
    let purgeInterval: Duration
    let logger: Logger
    let initialCursor: RevocationCursor?

    func run() async throws {
        var cursor = self.initialCursor
        var lastPurge = ContinuousClock.now
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                cursor = try await self.sessions.loadRevocations(after: cursor)
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
            let pause = failing ? max(self.pollInterval, .milliseconds(500)) : self.pollInterval
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: pause)
                }
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
        await self.onShutdown()
    }
}
