/// A ``LoginLimitStore`` that times every call of another one and wraps it in a trace span
/// (see ``StoreMetrics``). Every requirement is forwarded, so it behaves as the store itself.
public struct InstrumentedLoginLimitStore: LoginLimitStore {
    /// The operations a login limit store has.
    public static let operations: [StoreOperation] = [.beginLoginAttempt, .finishLoginAttempt]

    /// The store doing the work.
    public let base: any LoginLimitStore
    private let metrics: StoreMetrics

    /// Wraps `base`, labelled `store` (`memory`, `postgres`, `redis`) in `metrics`.
    public init(_ base: any LoginLimitStore, store: String, metrics: JWTAuthMetrics) {
        self.base = base
        self.metrics = metrics.store(store, operations: Self.operations)
    }

    public func beginLoginAttempt(
        id: String,
        key: String,
        limit: LoginRateLimiter.Limit,
        now: NumericDate,
        inProgressUntil: NumericDate
    ) async throws -> Duration? {
        try await self.metrics.measure(.beginLoginAttempt) {
            try await self.base.beginLoginAttempt(id: id, key: key, limit: limit, now: now, inProgressUntil: inProgressUntil)
        }
    }

    public func finishLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, failed: Bool, now: NumericDate) async throws {
        try await self.metrics.measure(.finishLoginAttempt) {
            try await self.base.finishLoginAttempt(id: id, key: key, limit: limit, failed: failed, now: now)
        }
    }
}
