import Synchronization

extension MemoryStore: ClientStore {
    /// Stores a new client; an id already taken is refused with `invalid_input`.
    public func createClient(_ client: ClientRecord) async throws {
        try self.clientRecords.withLock { (clients) throws(JWTAuthError) in
            guard clients[client.id] == nil else { throw JWTAuthError(.invalidInput, "the client id is taken") }
            clients[client.id] = client
        }
    }

    /// The client with this id, or nil.
    public func client(id: String) async throws -> ClientRecord? {
        self.clientRecords.withLock { $0[id] }
    }

    /// Every client, oldest first (ties by id).
    public func clients() async throws -> [ClientRecord] {
        self.clientRecords.withLock { Array($0.values) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Deletes the client; false when there was none.
    public func removeClient(id: String) async throws -> Bool {
        self.clientRecords.withLock { $0.removeValue(forKey: id) != nil }
    }
}
