import Synchronization

/// Counts registrations per client address in a sliding window and refuses more past a limit
/// (by default 10 per hour).
///
/// Every attempt counts, taken or not: each costs a bcrypt hash, and a `409 username_taken`
/// tells whether a name exists, so both a flood and a scan of names run into it. An IPv6
/// address counts by its /64, as for logins. State is per process.
public final class RegistrationRateLimiter: Sendable {
    /// Registrations allowed per address within a window.
    public let limit: LoginRateLimiter.Limit
    /// The most addresses tracked at once; beyond it the least recently seen are dropped.
    public let maximumTrackedAddresses: Int

    private let attempts = Mutex<[String: [NumericDate]]>([:])

    /// Creates a limiter allowing `limit` registrations per address (default 10 per hour).
    public init(limit: LoginRateLimiter.Limit = .init(attempts: 10, window: .seconds(3600)), maximumTrackedAddresses: Int = 100_000) {
        self.limit = limit
        self.maximumTrackedAddresses = maximumTrackedAddresses
    }

    /// Records an attempt from `address`, or throws `rate_limited` (with `retryAfter`) when the
    /// address has used up its registrations. Without an address (an in-process caller) there
    /// is nothing to count.
    public func admit(address: String?, now: NumericDate) throws(JWTAuthError) {
        guard let address else { return }
        let key = IPAddress.rateLimitKey(address)
        let limit = self.limit
        let wait = self.attempts.withLock { attempts -> Duration? in
            var recent = attempts[key, default: []].filter { $0 > now - limit.window }
            if recent.count >= limit.attempts {
                attempts[key] = recent
                guard let oldest = recent.first else { return .seconds(1) }
                return (oldest + limit.window).duration(since: now)
            }
            recent.append(now)
            attempts[key] = recent
            if attempts.count > self.maximumTrackedAddresses {
                let stale = attempts.filter { $0.value.last.map { $0 <= now - limit.window } ?? true }.map(\.key)
                for key in stale { attempts.removeValue(forKey: key) }
                if attempts.count > self.maximumTrackedAddresses {
                    let oldest = attempts.sorted { ($0.value.last ?? now) < ($1.value.last ?? now) }
                    for (key, _) in oldest.prefix(attempts.count - self.maximumTrackedAddresses) { attempts.removeValue(forKey: key) }
                }
            }
            return nil
        }
        if let wait {
            throw JWTAuthError(.rateLimited, "too many registrations from this address; try again later", retryAfter: max(wait, .seconds(1)))
        }
    }
}
