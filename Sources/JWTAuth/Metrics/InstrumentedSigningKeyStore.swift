/// A ``SigningKeyStore`` that times every call of another one and wraps it in a trace span
/// (see ``StoreMetrics``). Every requirement is forwarded, so it behaves as the store itself.
public struct InstrumentedSigningKeyStore: SigningKeyStore {
    /// The operations a signing-key store has.
    public static let operations: [StoreOperation] = [.signingKeys, .updateSigningKeys]

    /// The store doing the work.
    public let base: any SigningKeyStore
    private let metrics: StoreMetrics

    /// Wraps `base`, labelled `store` (`sqlite`, `postgres`, `memory`) in `metrics`.
    public init(_ base: any SigningKeyStore, store: String, metrics: JWTAuthMetrics) {
        self.base = base
        self.metrics = metrics.store(store, operations: Self.operations)
    }

    public func signingKeys() async throws -> [SigningKeyRecord] {
        try await self.metrics.measure(.signingKeys) { try await self.base.signingKeys() }
    }

    public func updateSigningKeys<Result: Sendable>(
        _ change: @escaping @Sendable ([SigningKeyRecord]) throws -> (keys: [SigningKeyRecord], result: Result)
    ) async throws -> Result {
        try await self.metrics.measure(.updateSigningKeys) { try await self.base.updateSigningKeys(change) }
    }
}
