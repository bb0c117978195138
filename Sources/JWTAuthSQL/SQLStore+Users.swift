public import JWTAuth
import SQLKit

extension SQLStore {
    static let userColumns = "id, username, password_hash, roles, disabled, created_at"

    static func decodeUser(_ row: any SQLRow) throws -> UserRecord {
        let roles = try row.decode(column: "roles", as: String.self)
        return UserRecord(
            id: try row.decode(column: "id", as: String.self),
            username: try row.decode(column: "username", as: String.self),
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            roles: (try? JSONValue(parsing: roles).arrayValue?.compactMap(\.stringValue)) ?? [],
            isDisabled: try row.decode(column: "disabled", as: Bool.self),
            createdAt: NumericDate(secondsSinceEpoch: try row.decode(column: "created_at", as: Double.self))
        )
    }

    static func encodeRoles(_ roles: [String]) -> String {
        JSONValue.array(roles.map(JSONValue.string)).jsonString
    }

    public func createUser(_ user: UserRecord) async throws {
        let backend = self.backend
        try await self.run("create a user") { db in
            do {
                try await db.raw(
                    """
                    INSERT INTO jwtauth_users (id, username, username_key, password_hash, roles, disabled, created_at) VALUES (
                    \(bind: user.id), \(bind: user.username), \(bind: UserRecord.usernameKey(user.username)), \(bind: user.passwordHash),
                    \(bind: Self.encodeRoles(user.roles)), \(bind: user.isDisabled), \(bind: user.createdAt.secondsSinceEpoch))
                    """
                ).run()
            } catch where backend.isUniqueViolation(error) {
                throw JWTAuthError(.usernameTaken, "the username is taken")
            }
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await self.run("read a user") { db in
            try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM jwtauth_users WHERE id = \(bind: id)").first().map(Self.decodeUser)
        }
    }

    public func user(username: String) async throws -> UserRecord? {
        try await self.run("read a user") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.userColumns) FROM jwtauth_users WHERE username_key = \(bind: UserRecord.usernameKey(username))"
            ).first().map(Self.decodeUser)
        }
    }

    public func updateUser(_ user: UserRecord) async throws -> Bool {
        try await self.run("update a user") { db in
            let ids = try await db.raw(
                """
                UPDATE jwtauth_users SET password_hash = \(bind: user.passwordHash), roles = \(bind: Self.encodeRoles(user.roles)),
                    disabled = \(bind: user.isDisabled)
                WHERE id = \(bind: user.id) RETURNING id
                """
            ).all(decodingColumn: "id", as: String.self)
            return !ids.isEmpty
        }
    }

    public func users() async throws -> [UserRecord] {
        try await self.run("list users") { db in
            try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM jwtauth_users ORDER BY username_key, id").all().map(Self.decodeUser)
        }
    }

    public func removeUser(id: String) async throws -> Bool {
        try await self.run("remove a user") { db in
            !(try await db.raw("DELETE FROM jwtauth_users WHERE id = \(bind: id) RETURNING id").all(decodingColumn: "id", as: String.self)).isEmpty
        }
    }

    public func userCount() async throws -> Int {
        try await self.run("count users") { db in
            try await db.raw("SELECT COUNT(*) AS n FROM jwtauth_users").first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }
}
