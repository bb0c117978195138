public import JWTAuth
import SQLKit

extension SQLStore: LoginLimitStore {
    /// Decides and records the attempt in one transaction, with the key locked (PostgreSQL: an
    /// advisory lock per key; SQLite: the write lock), so concurrent attempts on a key at its
    /// limit are decided one after the other, whichever instance runs them.
    public func beginLoginAttempt(
        id: String,
        key: String,
        limit: LoginRateLimiter.Limit,
        now: NumericDate,
        inProgressUntil: NumericDate
    ) async throws -> Duration? {
        let lockFunction = self.backend.dialect.keyLockFunction
        return try await self.run("check the login limits", transaction: true) { db in
            if let lockFunction {
                try await db.raw("SELECT \(unsafeRaw: lockFunction)(7268253, hashtext(\(bind: key)))").run()
            }
            try await db.raw(
                "DELETE FROM jwtauth_login_attempts WHERE limit_key = \(bind: key) AND expires_at <= \(bind: now.secondsSinceEpoch)"
            ).run()
            let rows = try await db.raw(
                "SELECT in_progress, at FROM jwtauth_login_attempts WHERE limit_key = \(bind: key) ORDER BY at, attempt_id"
            ).all()
            var failures: [NumericDate] = []
            var inProgress = 0
            for row in rows {
                if try row.decode(column: "in_progress", as: Bool.self) {
                    inProgress += 1
                } else {
                    let at = NumericDate(secondsSinceEpoch: try row.decode(column: "at", as: Double.self))
                    if at > now - limit.window { failures.append(at) }
                }
            }
            guard failures.count + inProgress >= limit.attempts else {
                try await db.raw(
                    """
                    INSERT INTO jwtauth_login_attempts (limit_key, attempt_id, in_progress, at, expires_at) VALUES (
                    \(bind: key), \(bind: id), \(bind: true), \(bind: now.secondsSinceEpoch), \(bind: inProgressUntil.secondsSinceEpoch))
                    """
                ).run()
                return nil
            }
            let oldestCounted = failures.count >= limit.attempts && limit.attempts > 0 ? failures[failures.count - limit.attempts] : nil
            return limit.wait(oldestCounted: oldestCounted, now: now)
        }
    }

    /// Replaces the attempt's row by a failure that expires with the window, or deletes it.
    public func finishLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, failed: Bool, now: NumericDate) async throws {
        try await self.run("record a login attempt", transaction: true) { db in
            try await db.raw("DELETE FROM jwtauth_login_attempts WHERE limit_key = \(bind: key) AND attempt_id = \(bind: id)").run()
            guard failed else { return }
            try await db.raw(
                """
                INSERT INTO jwtauth_login_attempts (limit_key, attempt_id, in_progress, at, expires_at) VALUES (
                \(bind: key), \(bind: id), \(bind: false), \(bind: now.secondsSinceEpoch), \(bind: (now + limit.window).secondsSinceEpoch))
                """
            ).run()
        }
    }
}
