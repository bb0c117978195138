import Synchronization

/// Counts FAILED logins per username and per client address in a sliding window and refuses
/// further attempts past a limit (by default 10 per username and 100 per address per 15 min).
///
/// Successful logins are not counted, so an office behind one address is not locked out by
/// its own users. State is per process; memory is bounded by pruning and a cap on tracked keys.
public final class LoginRateLimiter: Sendable {
    /// A number of failed attempts allowed within a sliding window.
    public struct Limit: Sendable, Hashable {
        /// Failures allowed within ``window``; once reached, further attempts are refused.
        public var attempts: Int
        /// How long a failure counts.
        public var window: Duration
        /// Creates a limit of `attempts` failures per `window`.
        public init(attempts: Int, window: Duration) {
            self.attempts = attempts
            self.window = window
        }
    }

    /// The limit per username, compared case-insensitively (default 10 per 15 min).
    public let perUsername: Limit
    /// The limit per client address, an IPv6 address counting by its /64 (default 100 per 15 min).
    public let perAddress: Limit
    /// The most keys tracked at once; beyond it the oldest are dropped.
    public let maximumTrackedKeys: Int

    /// A login attempt in progress, counted against its keys until ``finish(_:failed:now:)``.
    public struct Attempt: Sendable {
        fileprivate let keys: [String]
    }

    private struct State {
        var failures: [String: [NumericDate]] = [:]
        /// Attempts begun and not yet finished, per key.
        var inFlight: [String: Int] = [:]
        var nextPrune = NumericDate(0)
    }

    private let state = Mutex(State())

    /// Creates a rate limiter; the default limits are those above, with at most 100,000 keys tracked.
    public init(
        perUsername: Limit = Limit(attempts: 10, window: .seconds(900)),
        perAddress: Limit = Limit(attempts: 100, window: .seconds(900)),
        maximumTrackedKeys: Int = 100_000
    ) {
        self.perUsername = perUsername
        self.perAddress = perAddress
        self.maximumTrackedKeys = maximumTrackedKeys
    }

    /// Starts an attempt, or throws `rate_limited` (with `retryAfter`) when either key has used
    /// up its attempts. Attempts still in progress count as failures until they finish: the
    /// password check takes a bcrypt's time, and without that many concurrent guesses would
    /// all pass before the first failure was recorded. Call ``finish(_:failed:now:)`` exactly
    /// once for every attempt returned.
    public func begin(username: String, address: String?, now: NumericDate) throws(JWTAuthError) -> Attempt {
        let keys = self.keys(username: username, address: address)
        let wait = self.state.withLock { state -> Duration? in
            self.prune(&state, now: now)
            var longest: Duration? = nil
            for (key, limit) in keys {
                let recent = state.failures[key, default: []].filter { $0 > now - limit.window }
                let pending = state.inFlight[key, default: 0]
                guard recent.count + pending >= limit.attempts else { continue }
                let wait: Duration
                if recent.count >= limit.attempts, limit.attempts > 0 {
                    // The oldest failure still in the window has to age out first.
                    wait = (recent[recent.count - limit.attempts] + limit.window).duration(since: now)
                } else {
                    // Limited by attempts still running: their outcome is due within a second.
                    wait = .seconds(1)
                }
                longest = max(longest ?? .zero, wait)
            }
            if longest == nil {
                for (key, _) in keys { state.inFlight[key, default: 0] += 1 }
            }
            return longest
        }
        if let wait {
            throw JWTAuthError(.rateLimited, "too many failed logins; try again later", retryAfter: max(wait, .seconds(1)))
        }
        return Attempt(keys: keys.map(\.0))
    }

    /// Ends an attempt; a failed one counts towards the limits for their window.
    public func finish(_ attempt: Attempt, failed: Bool, now: NumericDate) {
        self.state.withLock { state in
            for key in attempt.keys {
                let pending = state.inFlight[key, default: 0] - 1
                state.inFlight[key] = pending > 0 ? pending : nil
            }
            guard failed else { return }
            for (key, limit) in zip(attempt.keys, [self.perUsername, self.perAddress]) {
                var failures = state.failures[key, default: []].filter { $0 > now - limit.window }
                failures.append(now)
                // Only the newest `attempts` matter for the decision.
                if failures.count > limit.attempts { failures.removeFirst(failures.count - limit.attempts) }
                state.failures[key] = failures
            }
            if state.failures.count > self.maximumTrackedKeys {
                let oldest = state.failures.sorted { ($0.value.last ?? now) < ($1.value.last ?? now) }
                for (key, _) in oldest.prefix(state.failures.count - self.maximumTrackedKeys) {
                    state.failures.removeValue(forKey: key)
                }
            }
        }
    }

    private func keys(username: String, address: String?) -> [(String, Limit)] {
        var keys = [("u:" + UserRecord.usernameKey(username), self.perUsername)]
        if let address { keys.append(("a:" + IPAddress.rateLimitKey(address), self.perAddress)) }
        return keys
    }

    private func prune(_ state: inout State, now: NumericDate) {
        guard now >= state.nextPrune else { return }
        let window = max(self.perUsername.window, self.perAddress.window)
        state.failures = state.failures.filter { ($0.value.last ?? now) > now - window }
        state.nextPrune = now + .seconds(60)
    }
}
