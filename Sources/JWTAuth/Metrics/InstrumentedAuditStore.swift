/// An ``AuditStore`` that times every call of another one and wraps it in a trace span
/// (see ``StoreMetrics``). Every requirement is forwarded, so it behaves as the store itself.
public struct InstrumentedAuditStore: AuditStore {
    /// The operations an audit store has.
    public static let operations: [StoreOperation] = [.appendAuditEvents, .auditEvents, .pruneAuditEvents]

    /// The store doing the work.
    public let base: any AuditStore
    private let metrics: StoreMetrics

    /// Wraps `base`, labelled `store` (`sqlite`, `postgres`, `memory`) in `metrics`.
    public init(_ base: any AuditStore, store: String, metrics: JWTAuthMetrics) {
        self.base = base
        self.metrics = metrics.store(store, operations: Self.operations)
    }

    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        try await self.metrics.measure(.appendAuditEvents) { try await self.base.appendAuditEvents(events) }
    }

    public func auditEvents(matching query: AuditQuery) async throws -> AuditPage {
        try await self.metrics.measure(.auditEvents) { try await self.base.auditEvents(matching: query) }
    }

    @discardableResult
    public func pruneAuditEvents(before cutoff: NumericDate) async throws -> Int {
        try await self.metrics.measure(.pruneAuditEvents) { try await self.base.pruneAuditEvents(before: cutoff) }
    }
}
