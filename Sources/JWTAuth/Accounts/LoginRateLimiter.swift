import Crypto

/// Counts FAILED logins per username and per client address in a sliding window and refuses
/// further attempts past a limit (by default 10 per username and 100 per address per 15 min).
///
/// Successful logins are not counted, so an office behind one address is not locked out by
/// its own users. The counts live in a ``LoginLimitStore``: process memory by default, or a
/// store several instances share so the limits hold across them. When that store cannot be
/// reached the attempt is refused with `store_unavailable`: an outage never lifts the limit.
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
    /// Where the failures and the attempts in progress are counted.
    public let store: any LoginLimitStore
    /// How long an attempt in progress counts at most when it is never finished (its process
    /// died): long enough for a bcrypt queued behind others, short against a window.
    public let attemptLifetime: Duration

    /// A login attempt in progress, counted against its keys until ``finish(_:failed:now:)``.
    public struct Attempt: Sendable {
        fileprivate let id: String
        fileprivate let keys: [Key]
    }

    fileprivate struct Key: Sendable {
        let name: String
        let limit: Limit
    }

    /// Creates a rate limiter counting in process memory, with at most `maximumTrackedKeys`
    /// keys tracked (default 100,000); the default limits are those above.
    public convenience init(
        perUsername: Limit = Limit(attempts: 10, window: .seconds(900)),
        perAddress: Limit = Limit(attempts: 100, window: .seconds(900)),
        maximumTrackedKeys: Int = 100_000
    ) {
        self.init(perUsername: perUsername, perAddress: perAddress, store: MemoryLoginLimitStore(maximumTrackedKeys: maximumTrackedKeys))
    }

    /// Creates a rate limiter counting in `store` (shared by the instances that use it).
    public init(
        perUsername: Limit = Limit(attempts: 10, window: .seconds(900)),
        perAddress: Limit = Limit(attempts: 100, window: .seconds(900)),
        store: any LoginLimitStore,
        attemptLifetime: Duration = .seconds(60)
    ) {
        self.perUsername = perUsername
        self.perAddress = perAddress
        self.store = store
        self.attemptLifetime = attemptLifetime
    }

    /// Starts an attempt, or throws `rate_limited` (with `retryAfter`) when either key has used
    /// up its attempts. Attempts still in progress count as failures until they finish: the
    /// password check takes a bcrypt's time, and without that many concurrent guesses would
    /// all pass before the first failure was recorded. Call ``finish(_:failed:now:)`` exactly
    /// once for every attempt returned.
    ///
    /// - Throws: `rate_limited`, or `store_unavailable` when the store cannot be reached (the
    ///   attempt must then not go ahead).
    public func begin(username: String, address: String?, now: NumericDate) async throws(JWTAuthError) -> Attempt {
        let attempt = Attempt(id: RandomIdentifier.make(), keys: self.keys(username: username, address: address))
        let store = self.store
        let inProgressUntil = now + self.attemptLifetime
        // The keys are asked at once (one round trip to a shared store, not one per key), and
        // every key is asked even when another refuses, so Retry-After is the longest wait.
        let outcomes = await Self.each(attempt.keys) { key in
            try await store.beginLoginAttempt(id: attempt.id, key: key.name, limit: key.limit, now: now, inProgressUntil: inProgressUntil)
        }
        var started: [Key] = []
        var longest: Duration? = nil
        var failure: (any Error)? = nil
        for (key, outcome) in outcomes {
            switch outcome {
            case .success(nil): started.append(key)
            case .success(let wait?): longest = max(longest ?? .zero, wait)
            case .failure(let error): failure = failure ?? error
            }
        }
        if let failure {
            await self.release(started, id: attempt.id, now: now)
            throw Self.unavailable(failure)
        }
        if let longest {
            await self.release(started, id: attempt.id, now: now)
            throw JWTAuthError(.rateLimited, "too many failed logins; try again later", retryAfter: max(longest, .seconds(1)))
        }
        return attempt
    }

    /// Ends an attempt; a failed one counts towards the limits for their window.
    ///
    /// - Throws: `store_unavailable` when the store cannot record it. For a failed attempt the
    ///   caller must not answer as if it had been counted; for a successful one the attempt
    ///   simply stops counting after ``attemptLifetime``.
    public func finish(_ attempt: Attempt, failed: Bool, now: NumericDate) async throws(JWTAuthError) {
        let store = self.store
        // Every key is recorded, at once: one store failure should not cost the other key.
        let outcomes = await Self.each(attempt.keys) { key in
            try await store.finishLoginAttempt(id: attempt.id, key: key.name, limit: key.limit, failed: failed, now: now)
        }
        let firstError = outcomes.lazy.compactMap { outcome -> (any Error)? in
            if case .failure(let error) = outcome.1 { return error }
            return nil
        }.first
        if let firstError { throw Self.unavailable(firstError) }
    }

    /// Ends attempts that were begun on some keys but refused on another.
    private func release(_ keys: [Key], id: String, now: NumericDate) async {
        let store = self.store
        // Best effort: an attempt left behind stops counting after `attemptLifetime`.
        _ = await Self.each(keys) { key in
            try await store.finishLoginAttempt(id: id, key: key.name, limit: key.limit, failed: false, now: now)
        }
    }

    /// Runs `operation` for every key concurrently and returns each key's outcome, in the
    /// keys' order.
    private static func each<Value: Sendable>(
        _ keys: [Key],
        _ operation: @escaping @Sendable (Key) async throws -> Value
    ) async -> [(Key, Result<Value, any Error>)] {
        // Most logins have two keys (username and address); one needs no task.
        if keys.count == 1 {
            do { return [(keys[0], .success(try await operation(keys[0])))] } catch { return [(keys[0], .failure(error))] }
        }
        return await withTaskGroup(of: (Int, Result<Value, any Error>).self) { group in
            for (index, key) in keys.enumerated() {
                group.addTask {
                    do { return (index, .success(try await operation(key))) } catch { return (index, .failure(error)) }
                }
            }
            var results = [Result<Value, any Error>?](repeating: nil, count: keys.count)
            for await (index, result) in group { results[index] = result }
            return zip(keys, results).compactMap { key, result in result.map { (key, $0) } }
        }
    }

    private static func unavailable(_ error: any Error) -> JWTAuthError {
        if let error = error as? JWTAuthError, error.code == .storeUnavailable { return error }
        return JWTAuthError(.storeUnavailable, "the login limits cannot be checked")
    }

    /// The store keys: a hash, not the name or the address itself. A shared store keeps them
    /// for a window, and what was typed as a username is sometimes a password.
    private func keys(username: String, address: String?) -> [Key] {
        var keys = [Key(name: Self.hashed("u:" + UserRecord.usernameKey(username)), limit: self.perUsername)]
        if let address { keys.append(Key(name: Self.hashed("a:" + IPAddress.rateLimitKey(address)), limit: self.perAddress)) }
        return keys
    }

    private static func hashed(_ key: String) -> String {
        let digest = SHA256.hash(data: Array(("jwtauth-login-limit:" + key).utf8))
        return String(key.prefix(2)) + Base64URL.encodedString(Array(digest))
    }
}
