public import JWTAuth
import SQLKit

extension SQLStore {
    static let sessionColumns = """
        id, user_id, client_id, user_agent, created_at, last_used_at, expires_at, refresh_expires_at, \
        rotated_at, current_jti, previous_jti, revoked_at, revocation_reason
        """

    static func decodeSession(_ row: any SQLRow) throws -> SessionRecord {
        func optional<T: Decodable>(_ column: String, _ type: T.Type) throws -> T? {
            try row.decodeNil(column: column) ? nil : row.decode(column: column, as: T.self)
        }
        return SessionRecord(
            id: try row.decode(column: "id", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            clientID: try row.decode(column: "client_id", as: String.self),
            userAgent: try optional("user_agent", String.self),
            createdAt: NumericDate(secondsSinceEpoch: try row.decode(column: "created_at", as: Double.self)),
            lastUsedAt: NumericDate(secondsSinceEpoch: try row.decode(column: "last_used_at", as: Double.self)),
            expiresAt: NumericDate(secondsSinceEpoch: try row.decode(column: "expires_at", as: Double.self)),
            refreshExpiresAt: NumericDate(secondsSinceEpoch: try row.decode(column: "refresh_expires_at", as: Double.self)),
            rotatedAt: NumericDate(secondsSinceEpoch: try row.decode(column: "rotated_at", as: Double.self)),
            currentTokenID: try row.decode(column: "current_jti", as: String.self),
            previousTokenID: try optional("previous_jti", String.self),
            revokedAt: try optional("revoked_at", Double.self).map(NumericDate.init(secondsSinceEpoch:)),
            revocationReason: try optional("revocation_reason", String.self).map(RevocationReason.init(rawValue:))
        )
    }

    public func createSession(_ session: SessionRecord, maximumPerUser: Int) async throws -> [SessionRecord] {
        try await self.run("create a session", transaction: true) { db in
            try await db.raw(
                """
                INSERT INTO jwtauth_sessions (\(unsafeRaw: Self.sessionColumns)) VALUES (
                \(bind: session.id), \(bind: session.userID), \(bind: session.clientID), \(bind: session.userAgent),
                \(bind: session.createdAt.secondsSinceEpoch), \(bind: session.lastUsedAt.secondsSinceEpoch),
                \(bind: session.expiresAt.secondsSinceEpoch), \(bind: session.refreshExpiresAt.secondsSinceEpoch),
                \(bind: session.rotatedAt.secondsSinceEpoch), \(bind: session.currentTokenID), \(bind: session.previousTokenID),
                NULL, NULL)
                """
            ).run()
            let active = try await Self.activeSessions(db, userID: session.userID, at: session.createdAt)
            var evicted: [SessionRecord] = []
            for var old in active.dropFirst(max(1, maximumPerUser)) {
                old.revokedAt = session.createdAt
                old.revocationReason = .evicted
                try await Self.updateRevoked(db, id: old.id, at: session.createdAt, reason: .evicted)
                evicted.append(old)
            }
            // Logged after every row update: the log's lock must be the last one taken.
            for old in evicted {
                try await Self.logRevocation(db, RevocationEvent(kind: .session, subject: old.id, at: session.createdAt))
            }
            return evicted
        }
    }

    public func session(id: String, userID: String) async throws -> SessionRecord? {
        try await self.run("read a session") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.sessionColumns) FROM jwtauth_sessions WHERE id = \(bind: id) AND user_id = \(bind: userID)"
            ).first().map(Self.decodeSession)
        }
    }

    public func activeSessions(userID: String, at now: NumericDate) async throws -> [SessionRecord] {
        try await self.run("list sessions") { db in try await Self.activeSessions(db, userID: userID, at: now) }
    }

    static func activeSessions(_ db: any SQLDatabase, userID: String, at now: NumericDate) async throws -> [SessionRecord] {
        try await db.raw(
            """
            SELECT \(unsafeRaw: Self.sessionColumns) FROM jwtauth_sessions
            WHERE user_id = \(bind: userID) AND revoked_at IS NULL
              AND expires_at > \(bind: now.secondsSinceEpoch) AND refresh_expires_at > \(bind: now.secondsSinceEpoch)
            ORDER BY created_at DESC, id DESC
            """
        ).all().map(Self.decodeSession)
    }

    public func rotate(_ request: RotationRequest) async throws -> RotationOutcome {
        let lockRow = self.backend.dialect.lockRow
        return try await self.run("rotate a refresh token", transaction: true) { db in
            let session = try await db.raw(
                "SELECT \(unsafeRaw: Self.sessionColumns) FROM jwtauth_sessions WHERE id = \(bind: request.sessionID)\(unsafeRaw: lockRow)"
            ).first().map(Self.decodeSession)
            switch RotationRules.decide(session, request) {
            case .rotate(let next):
                try await db.raw(
                    """
                    UPDATE jwtauth_sessions SET
                        previous_jti = \(bind: next.previousTokenID), current_jti = \(bind: next.currentTokenID),
                        rotated_at = \(bind: next.rotatedAt.secondsSinceEpoch), last_used_at = \(bind: next.lastUsedAt.secondsSinceEpoch),
                        refresh_expires_at = \(bind: next.refreshExpiresAt.secondsSinceEpoch)
                    WHERE id = \(bind: next.id) AND current_jti = \(bind: request.presentedTokenID)
                    """
                ).run()
                return .rotated(next)
            case .reissue:
                guard let session else { return .rejected(.unknownSession) }
                return .reissued(session)
            case .reuse:
                guard var session else { return .rejected(.unknownSession) }
                try await Self.markRevoked(db, id: session.id, at: request.now, reason: .reuseDetected)
                session.revokedAt = request.now
                session.revocationReason = .reuseDetected
                return .reuseDetected(session)
            case .reject(let reason):
                return .rejected(reason)
            }
        }
    }

    public func revokeSession(id: String, userID: String, at now: NumericDate, reason: RevocationReason) async throws -> SessionRecord? {
        let lockRow = self.backend.dialect.lockRow
        return try await self.run("revoke a session", transaction: true) { db in
            guard
                var session = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.sessionColumns) FROM jwtauth_sessions
                    WHERE id = \(bind: id) AND user_id = \(bind: userID)\(unsafeRaw: lockRow)
                    """
                ).first().map(Self.decodeSession)
            else { return nil }
            guard session.revokedAt == nil else { return session }
            try await Self.markRevoked(db, id: id, at: now, reason: reason)
            session.revokedAt = now
            session.revocationReason = reason
            return session
        }
    }

    public func revokeUser(id userID: String, at now: NumericDate, reason: RevocationReason) async throws -> [String] {
        try await self.run("revoke a user", transaction: true) { db in
            let ids = try await db.raw(
                """
                UPDATE jwtauth_sessions SET revoked_at = \(bind: now.secondsSinceEpoch), revocation_reason = \(bind: reason.rawValue)
                WHERE user_id = \(bind: userID) AND revoked_at IS NULL RETURNING id
                """
            ).all(decodingColumn: "id", as: String.self)
            for id in ids {
                try await Self.logRevocation(db, RevocationEvent(kind: .session, subject: id, at: now))
            }
            try await Self.logRevocation(db, RevocationEvent(kind: .user, subject: userID, at: now))
            return ids
        }
    }

    /// Marks one session revoked and logs the revocation, inside the caller's transaction.
    static func markRevoked(_ db: any SQLDatabase, id: String, at now: NumericDate, reason: RevocationReason) async throws {
        try await Self.updateRevoked(db, id: id, at: now, reason: reason)
        try await Self.logRevocation(db, RevocationEvent(kind: .session, subject: id, at: now))
    }

    /// Marks one session revoked without logging it, inside the caller's transaction.
    static func updateRevoked(_ db: any SQLDatabase, id: String, at now: NumericDate, reason: RevocationReason) async throws {
        try await db.raw(
            """
            UPDATE jwtauth_sessions SET revoked_at = \(bind: now.secondsSinceEpoch), revocation_reason = \(bind: reason.rawValue)
            WHERE id = \(bind: id) AND revoked_at IS NULL
            """
        ).run()
    }

    public func purgeExpired(at now: NumericDate, revocationRetention: Duration) async throws {
        let keepAfter = (now - revocationRetention).secondsSinceEpoch
        try await self.run("purge expired sessions", transaction: true) { db in
            try await db.raw(
                // Past its idle deadline a session can never refresh again: it goes then.
                "DELETE FROM jwtauth_sessions WHERE expires_at <= \(bind: keepAfter) OR refresh_expires_at <= \(bind: keepAfter) OR revoked_at <= \(bind: keepAfter)"
            ).run()
            try await db.raw("DELETE FROM jwtauth_revocations WHERE at <= \(bind: keepAfter)").run()
            // Failed logins of keys nobody has tried since (each key prunes its own on a login).
            try await db.raw("DELETE FROM jwtauth_login_attempts WHERE expires_at <= \(bind: now.secondsSinceEpoch)").run()
        }
    }
}
