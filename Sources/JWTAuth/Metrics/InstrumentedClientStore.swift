/// A ``ClientStore`` that times every call of another one and wraps it in a trace span
/// (see ``StoreMetrics``). Every requirement is forwarded, so it behaves as the store itself.
public struct InstrumentedClientStore: ClientStore {
    /// The operations a client store has.
    public static let operations: [StoreOperation] = [.createClient, .client, .clients, .removeClient]

    /// The store doing the work.
    public let base: any ClientStore
    private let metrics: StoreMetrics

    /// Wraps `base`, labelled `store` (`sqlite`, `postgres`, `memory`) in `metrics`.
    public init(_ base: any ClientStore, store: String, metrics: JWTAuthMetrics) {
        self.base = base
        self.metrics = metrics.store(store, operations: Self.operations)
    }

    public func createClient(_ client: ClientRecord) async throws {
        try await self.metrics.measure(.createClient) { try await self.base.createClient(client) }
    }

    public func client(id: String) async throws -> ClientRecord? {
        try await self.metrics.measure(.client) { try await self.base.client(id: id) }
    }

    public func clients() async throws -> [ClientRecord] {
        try await self.metrics.measure(.clients) { try await self.base.clients() }
    }

    public func removeClient(id: String) async throws -> Bool {
        try await self.metrics.measure(.removeClient) { try await self.base.removeClient(id: id) }
    }
}
