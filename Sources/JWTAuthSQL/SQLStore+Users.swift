public import JWTAuth
import Logging
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
            } catch  where backend.isUniqueViolation(error) {
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

extension SQLStore {
    /// The key given to an account whose name now compares equal to an older account's.
    static let clashKeyPrefix = "clash:"

    /// Recomputes every username key after a change of ``UserRecord/usernameKey(_:)``, inside
    /// the migration's transaction.
    ///
    /// Two accounts whose names were different and now compare equal (`ａｌｉｃｅ` beside `alice`,
    /// or the two spellings of `josé`) are not merged: the older keeps the name, the newer keeps
    /// its id, sessions and password but gets the key `clash:ID`, so it can no longer log in by
    /// name until an administrator removes or replaces it (`jwtauth users … ID`). Each clash is
    /// logged as a warning.
    static func rekeyUsernames(_ db: any SQLDatabase, logger: Logger) async throws {
        let rows = try await db.raw("SELECT id, username, username_key, created_at FROM jwtauth_users ORDER BY created_at, id").all()
        var winners: [String: (id: String, username: String)] = [:]
        var changes: [(id: String, key: String)] = []
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            let username = try row.decode(column: "username", as: String.self)
            let oldKey = try row.decode(column: "username_key", as: String.self)
            let key = UserRecord.usernameKey(username)
            if let winner = winners[key] {
                logger.warning(
                    "two accounts now have the same username; the older keeps it, the newer can log in by name no more",
                    metadata: ["kept": "\(winner.username) (\(winner.id))", "clashing": "\(username) (\(id))"]
                )
                changes.append((id, Self.clashKeyPrefix + id))
                continue
            }
            winners[key] = (id, username)
            // Bytes, not String equality: Swift calls the composed and decomposed spellings equal,
            // the database does not.
            if !key.utf8.elementsEqual(oldKey.utf8) { changes.append((id, key)) }
        }
        // Through a placeholder first: a new key may still be another row's old one.
        for change in changes {
            try await db.raw("UPDATE jwtauth_users SET username_key = \(bind: "rekey:" + change.id) WHERE id = \(bind: change.id)").run()
        }
        for change in changes {
            try await db.raw("UPDATE jwtauth_users SET username_key = \(bind: change.key) WHERE id = \(bind: change.id)").run()
        }
    }
}
