public import JWTAuth
import SQLKit

extension SQLStore: ClientStore {
    static func decodeClient(_ row: any SQLRow) throws -> ClientRecord {
        ClientRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            secretHash: try row.decode(column: "secret_hash", as: String.self),
            scopes: try row.decode(column: "scope", as: String.self).split(separator: " ").map(String.init),
            createdAt: NumericDate(secondsSinceEpoch: try row.decode(column: "created_at", as: Double.self))
        )
    }

    /// Inserts a client; an id already taken is refused with `invalid_input`.
    public func createClient(_ client: ClientRecord) async throws {
        let backend = self.backend
        try await self.run("create a client") { db in
            do {
                try await db.raw(
                    """
                    INSERT INTO jwtauth_clients (id, name, secret_hash, scope, created_at) VALUES (
                    \(bind: client.id), \(bind: client.name), \(bind: client.secretHash), \(bind: client.scopes.joined(separator: " ")),
                    \(bind: client.createdAt.secondsSinceEpoch))
                    """
                ).run()
            } catch  where backend.isUniqueViolation(error) {
                throw JWTAuthError(.invalidInput, "the client id is taken")
            }
        }
    }

    /// The client with this id, or nil.
    public func client(id: String) async throws -> ClientRecord? {
        try await self.run("read a client") { db in
            try await db.raw("SELECT id, name, secret_hash, scope, created_at FROM jwtauth_clients WHERE id = \(bind: id)")
                .first().map(Self.decodeClient)
        }
    }

    /// Every client, oldest first (ties by id).
    public func clients() async throws -> [ClientRecord] {
        try await self.run("list clients") { db in
            try await db.raw("SELECT id, name, secret_hash, scope, created_at FROM jwtauth_clients ORDER BY created_at, id")
                .all().map(Self.decodeClient)
        }
    }

    /// Deletes the client; false when there was none.
    public func removeClient(id: String) async throws -> Bool {
        try await self.run("remove a client") { db in
            let ids = try await db.raw("DELETE FROM jwtauth_clients WHERE id = \(bind: id) RETURNING id").all(decodingColumn: "id", as: String.self)
            return !ids.isEmpty
        }
    }
}
