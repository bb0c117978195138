import Synchronization

/// Failed logins counted in process memory: right for one instance (and for SQLite, which one
/// process serves). Each instance counts on its own, and a restart forgets the counts.
///
/// Memory is bounded: keys whose failures have all left the window are pruned once a minute,
/// and beyond ``maximumTrackedKeys`` the keys with the oldest failures are dropped.
public final class MemoryLoginLimitStore: LoginLimitStore {
    /// The most keys tracked at once; beyond it the keys with the oldest failures are dropped.
    public let maximumTrackedKeys: Int

    private struct Entry {
        /// Failure times, oldest first; only the newest `attempts` are kept.
        var failures: [NumericDate] = []
        /// Attempts in progress, with the time they stop counting.
        var inProgress: [String: NumericDate] = [:]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextPrune = NumericDate(0)
        /// The longest window any limit asked for, so pruning never drops a failure that counts.
        var longestWindow = Duration.zero
    }

    private let state = Mutex(State())

    /// Creates an empty store tracking at most `maximumTrackedKeys` keys (default 100,000).
    public init(maximumTrackedKeys: Int = 100_000) {
        self.maximumTrackedKeys = maximumTrackedKeys
    }

    /// Decides and records the attempt under the store's lock.
    public func beginLoginAttempt(
        id: String,
        key: String,
        limit: LoginRateLimiter.Limit,
        now: NumericDate,
        inProgressUntil: NumericDate
    ) async throws -> Duration? {
        self.state.withLock { state in
            state.longestWindow = max(state.longestWindow, limit.window)
            self.prune(&state, now: now)
            var entry = state.entries[key] ?? Entry()
            entry.inProgress = entry.inProgress.filter { $0.value > now }
            let recent = entry.failures.filter { $0 > now - limit.window }
            guard recent.count + entry.inProgress.count >= limit.attempts else {
                entry.inProgress[id] = inProgressUntil
                state.entries[key] = entry
                return nil
            }
            let oldestCounted = recent.count >= limit.attempts && limit.attempts > 0 ? recent[recent.count - limit.attempts] : nil
            return limit.wait(oldestCounted: oldestCounted, now: now)
        }
    }

    /// Ends the attempt; a failure is kept for the window.
    public func finishLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, failed: Bool, now: NumericDate) async throws {
        self.state.withLock { state in
            var entry = state.entries[key] ?? Entry()
            entry.inProgress[id] = nil
            if failed {
                entry.failures = entry.failures.filter { $0 > now - limit.window }
                entry.failures.append(now)
                // Only the newest `attempts` matter for the decision.
                if entry.failures.count > limit.attempts { entry.failures.removeFirst(entry.failures.count - max(0, limit.attempts)) }
            }
            state.entries[key] = entry.failures.isEmpty && entry.inProgress.isEmpty ? nil : entry
            if state.entries.count > self.maximumTrackedKeys {
                let oldest = state.entries.sorted { ($0.value.failures.last ?? now) < ($1.value.failures.last ?? now) }
                for (key, _) in oldest.prefix(state.entries.count - self.maximumTrackedKeys) {
                    state.entries.removeValue(forKey: key)
                }
            }
        }
    }

    private func prune(_ state: inout State, now: NumericDate) {
        guard now >= state.nextPrune else { return }
        let window = state.longestWindow
        state.entries = state.entries.filter { _, entry in
            (entry.failures.last.map { $0 > now - window } ?? false) || entry.inProgress.values.contains { $0 > now }
        }
        state.nextPrune = now + .seconds(60)
    }
}
