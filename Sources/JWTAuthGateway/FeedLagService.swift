import CoreMetrics
import JWTAuth
import JWTAuthRemote
import ServiceLifecycle

/// Keeps `jwtauth_revocation_feed_lag_seconds` current for the gateway: how long since the
/// issuer's revocation feed was last heard from (an event or a heartbeat). The feed reader
/// fails closed past its stale limit; this shows the lag growing before that happens.
struct FeedLagService: Service {
    let revocations: RemoteRevocations
    let gauge: Gauge
    let clock: any UnixClock = SystemClock()

    init(revocations: RemoteRevocations, factory: any MetricsFactory) {
        self.revocations = revocations
        self.gauge = Gauge(label: "jwtauth_revocation_feed_lag_seconds", factory: factory)
    }

    func run() async throws {
        let started = self.clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Never heard: the lag is the time since start, so a feed that never connects shows.
            let lastHeard = self.revocations.status.lastHeard ?? started
            let (seconds, attoseconds) = self.clock.now.duration(since: lastHeard).components
            self.gauge.record(Double(seconds) + Double(attoseconds) / 1e18)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            } catch {
                return
            }
        }
    }
}
