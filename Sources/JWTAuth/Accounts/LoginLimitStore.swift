/// Where the ``LoginRateLimiter`` counts failed logins: process memory for one instance, or a
/// store that several instances share (Redis, PostgreSQL), so that spreading guesses over the
/// instances behind a load balancer gains an attacker nothing.
///
/// A key (a hashed username or client address) holds failures, each counting for its limit's
/// window from the time it was recorded, and attempts in progress, each counting until it is
/// finished or its `inProgressUntil` has passed (so that an instance dying in the middle of a
/// login does not hold the key for a whole window). Deciding and recording an attempt must be
/// one atomic step: of many concurrent attempts on a key at its limit, none may slip through.
///
/// Every method takes the time from the caller. Stores report an unreachable backend as
/// ``JWTAuthError`` with code `store_unavailable`; the limiter then refuses the login rather
/// than let it through unchecked.
public protocol LoginLimitStore: Sendable {
    /// Starts the attempt `id` under `key`, unless the failures recorded within `limit.window`
    /// before `now` plus the attempts still in progress have reached `limit.attempts`.
    ///
    /// - Returns: nil when the attempt was recorded as in progress (until `inProgressUntil` at
    ///   the latest); otherwise nothing is recorded and the answer is the time until another
    ///   attempt can start: until the oldest failure that matters leaves the window, or one
    ///   second when attempts still in progress are what fill the limit.
    func beginLoginAttempt(
        id: String,
        key: String,
        limit: LoginRateLimiter.Limit,
        now: NumericDate,
        inProgressUntil: NumericDate
    ) async throws -> Duration?

    /// Ends the attempt `id` under `key` (begun with ``beginLoginAttempt(id:key:limit:now:inProgressUntil:)``);
    /// a failed one is recorded as a failure at `now`, counting for `limit.window`.
    func finishLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, failed: Bool, now: NumericDate) async throws
}
