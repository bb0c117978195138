/// Where machine clients live: memory, SQLite or PostgreSQL (beside the users).
public protocol ClientStore: Sendable {
    /// Stores a new client. Ids are random, so a clash is a fault, reported as
    /// `invalid_input`.
    func createClient(_ client: ClientRecord) async throws

    /// The client with this id, or nil.
    func client(id: String) async throws -> ClientRecord?

    /// Every client, oldest first.
    func clients() async throws -> [ClientRecord]

    /// Deletes a client. Returns false when there was none with this id.
    func removeClient(id: String) async throws -> Bool
}
