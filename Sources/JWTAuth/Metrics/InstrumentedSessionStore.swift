/// A ``SessionStore`` that times every call of another one and wraps it in a trace span
/// (see ``StoreMetrics``). Every requirement is forwarded, so it behaves as the store itself.
public struct InstrumentedSessionStore: SessionStore {
    /// The operations a session store has.
    public static let operations: [StoreOperation] = [
        .createSession, .session, .activeSessions, .rotate, .revokeSession, .revokeUser, .revocations, .purgeExpired, .checkHealth,
    ]

    /// The store doing the work.
    public let base: any SessionStore
    private let metrics: StoreMetrics

    /// Wraps `base`, labelled `store` (`sqlite`, `postgres`, `redis`, `memory`) in `metrics`.
    public init(_ base: any SessionStore, store: String, metrics: JWTAuthMetrics) {
        self.base = base
        self.metrics = metrics.store(store, operations: Self.operations)
    }

    public func createSession(_ session: SessionRecord, maximumPerUser: Int) async throws -> [SessionRecord] {
        try await self.metrics.measure(.createSession) { try await self.base.createSession(session, maximumPerUser: maximumPerUser) }
    }

    public func session(id: String, userID: String) async throws -> SessionRecord? {
        try await self.metrics.measure(.session) { try await self.base.session(id: id, userID: userID) }
    }

    public func activeSessions(userID: String, at now: NumericDate) async throws -> [SessionRecord] {
        try await self.metrics.measure(.activeSessions) { try await self.base.activeSessions(userID: userID, at: now) }
    }

    public func rotate(_ request: RotationRequest) async throws -> RotationOutcome {
        try await self.metrics.measure(.rotate) { try await self.base.rotate(request) }
    }

    public func revokeSession(id: String, userID: String, at now: NumericDate, reason: RevocationReason) async throws -> SessionRecord? {
        try await self.metrics.measure(.revokeSession) { try await self.base.revokeSession(id: id, userID: userID, at: now, reason: reason) }
    }

    public func revokeUser(id userID: String, at now: NumericDate, reason: RevocationReason) async throws -> [String] {
        try await self.metrics.measure(.revokeUser) { try await self.base.revokeUser(id: userID, at: now, reason: reason) }
    }

    public func revocations(after cursor: RevocationCursor?) async throws -> RevocationBatch {
        try await self.metrics.measure(.revocations) { try await self.base.revocations(after: cursor) }
    }

    // A stream, not a call: nothing to time.
    public func revocationFeed() -> AsyncStream<RevocationFeedMessage>? {
        self.base.revocationFeed()
    }

    public func purgeExpired(at now: NumericDate, revocationRetention: Duration) async throws {
        try await self.metrics.measure(.purgeExpired) { try await self.base.purgeExpired(at: now, revocationRetention: revocationRetention) }
    }

    public func checkHealth() async throws {
        try await self.metrics.measure(.checkHealth) { try await self.base.checkHealth() }
    }
}
