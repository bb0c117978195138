/// A ``UserStore`` that times every call of another one and wraps it in a trace span
/// (see ``StoreMetrics``). Every requirement is forwarded, so it behaves as the store itself.
public struct InstrumentedUserStore: UserStore {
    /// The operations a user store has.
    public static let operations: [StoreOperation] = [
        .createUser, .userByID, .userByUsername, .updateUser, .userCount, .users, .removeUser, .checkHealth,
    ]

    /// The store doing the work.
    public let base: any UserStore
    private let metrics: StoreMetrics

    /// Wraps `base`, labelled `store` (`sqlite`, `postgres`, `memory`) in `metrics`.
    public init(_ base: any UserStore, store: String, metrics: JWTAuthMetrics) {
        self.base = base
        self.metrics = metrics.store(store, operations: Self.operations)
    }

    public func createUser(_ user: UserRecord) async throws {
        try await self.metrics.measure(.createUser) { try await self.base.createUser(user) }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await self.metrics.measure(.userByID) { try await self.base.user(id: id) }
    }

    public func user(username: String) async throws -> UserRecord? {
        try await self.metrics.measure(.userByUsername) { try await self.base.user(username: username) }
    }

    public func updateUser(_ user: UserRecord) async throws -> Bool {
        try await self.metrics.measure(.updateUser) { try await self.base.updateUser(user) }
    }

    public func userCount() async throws -> Int {
        try await self.metrics.measure(.userCount) { try await self.base.userCount() }
    }

    public func users() async throws -> [UserRecord] {
        try await self.metrics.measure(.users) { try await self.base.users() }
    }

    public func removeUser(id: String) async throws -> Bool {
        try await self.metrics.measure(.removeUser) { try await self.base.removeUser(id: id) }
    }

    public func checkHealth() async throws {
        try await self.metrics.measure(.checkHealth) { try await self.base.checkHealth() }
    }
}
