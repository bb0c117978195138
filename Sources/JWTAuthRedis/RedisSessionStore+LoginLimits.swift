public import JWTAuth
import JWTAuthRESP

extension RedisSessionStore: LoginLimitStore {
    func loginLimitTag(_ key: String) -> String { "\(self.prefix):{l:\(key)}" }

    /// Decides and records the attempt in one script on the node that owns the key's slot.
    public func beginLoginAttempt(
        id: String,
        key: String,
        limit: LoginRateLimiter.Limit,
        now: NumericDate,
        inProgressUntil: NumericDate
    ) async throws -> Duration? {
        try await self.run("check the login limits") {
            let tag = self.loginLimitTag(key)
            let reply = try await self.client.evaluate(
                RedisLoginLimitScripts.begin,
                keys: [tag + ":f", tag + ":p"],
                arguments: [
                    id, Self.format(now), Self.format(now - limit.window), String(limit.attempts), Self.format(inProgressUntil),
                ]
            )
            guard let values = reply.array, let recorded = values.first?.int else {
                throw JWTAuthError(.storeUnavailable, "Redis answered the login limit check with something else")
            }
            if recorded == 1 { return nil }
            let oldestCounted = values.count > 1 ? values[1].string.flatMap(Double.init).map { NumericDate(secondsSinceEpoch: $0) } : nil
            return limit.wait(oldestCounted: oldestCounted, now: now)
        }
    }

    /// Ends the attempt in one script; a failure is kept for the window.
    public func finishLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, failed: Bool, now: NumericDate) async throws {
        try await self.run("record a login attempt") {
            let tag = self.loginLimitTag(key)
            _ = try await self.client.evaluate(
                RedisLoginLimitScripts.finish,
                keys: [tag + ":f", tag + ":p"],
                arguments: [id, failed ? "1" : "0", Self.format(now), Self.format(limit.window.seconds), String(limit.attempts)]
            )
        }
    }
}
