public import JWTAuth
public import Logging

/// The active sessions of one account (given by id or username), or of every account, newest
/// first per user (`jwtauth sessions list`).
///
/// - Throws: `not_found` for an unknown user, `store_unavailable`.
public func listSessions(
    user: String?,
    configuration: ServerConfiguration,
    logger: Logger,
    clock: any UnixClock = SystemClock()
) async throws -> [SessionRecord] {
    try await Administration.run(configuration, logger: logger, clock: clock) { administration in
        let users = try await administration.matchingUsers(user)
        var sessions: [SessionRecord] = []
        for user in users {
            sessions += try await administration.sessions.activeSessions(of: user.id)
        }
        return sessions
    }
}

/// Revokes one session (`jwtauth sessions revoke`): its refresh token is refused, and its
/// access tokens on every running server at once. Sessions are stored per user, so without
/// `user` every account's active sessions are searched for it.
///
/// - Returns: The session as it was before.
/// - Throws: `not_found` for an unknown or already ended session (or user), `store_unavailable`.
public func revokeSession(
    _ sessionID: String,
    user: String? = nil,
    configuration: ServerConfiguration,
    logger: Logger,
    clock: any UnixClock = SystemClock()
) async throws -> SessionRecord {
    try await Administration.run(configuration, logger: logger, clock: clock) { administration in
        let candidates = try await administration.matchingUsers(user)
        for candidate in candidates {
            guard let session = try await administration.sessions.sessions.session(id: sessionID, userID: candidate.id), session.isActive(at: clock.now) else {
                continue
            }
            try await administration.sessions.revokeSession(id: session.id, userID: session.userID, reason: .adminRevoked, origin: Administration.origin)
            return session
        }
        throw JWTAuthError(.notFound, "no active session has the id \(sessionID)")
    }
}

/// Revokes every session and access token of an account, given by id or username
/// (`jwtauth sessions revoke-user`), on every running server at once.
///
/// - Returns: The account.
/// - Throws: `not_found` for an unknown user, `store_unavailable`.
public func revokeUserSessions(
    _ user: String,
    configuration: ServerConfiguration,
    logger: Logger,
    clock: any UnixClock = SystemClock()
) async throws -> UserRecord {
    try await Administration.run(configuration, logger: logger, clock: clock) { administration in
        let record = try await administration.user(user)
        try await administration.sessions.revokeUser(id: record.id, reason: .adminRevoked, origin: Administration.origin)
        return record
    }
}
