/// Where accounts live: memory, SQLite or PostgreSQL.
///
/// Usernames are unique case-insensitively (``UserRecord/usernameKey(_:)``); a store enforces
/// it atomically (a unique index), so two concurrent registrations cannot both win.
public protocol UserStore: Sendable {
    /// Stores a new user. Throws `username_taken` when the username exists in any case.
    func createUser(_ user: UserRecord) async throws

    /// The user with this id, or nil.
    func user(id: String) async throws -> UserRecord?

    /// The user with this username (compared case-insensitively), or nil.
    func user(username: String) async throws -> UserRecord?

    /// Replaces a user's mutable fields (password hash, roles, disabled). Returns false when
    /// the user does not exist.
    func updateUser(_ user: UserRecord) async throws -> Bool

    /// How many users exist.
    func userCount() async throws -> Int

    /// Every user, ordered by username key (administration: `jwtauth users list`).
    func users() async throws -> [UserRecord]

    /// Deletes a user's record. Returns false when the user does not exist. The caller ends
    /// the user's sessions (``AccountManager/removeUser(id:origin:)`` does both).
    func removeUser(id: String) async throws -> Bool

    /// Throws `store_unavailable` when the backend cannot be reached.
    func checkHealth() async throws
}
