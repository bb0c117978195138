import JWTAuth
import JWTAuthRedis
import JWTAuthSQL
import Logging

/// The stores of a ``JWTAuthLocalConfiguration``, opened from its URLs as `jwtauth serve`
/// opens them.
struct LocalStores: Sendable {
    let sessions: any SessionStore
    let users: any UserStore
    let clients: any ClientStore
    let loginLimits: any LoginLimitStore
    let close: @Sendable () async -> Void

    static func open(_ configuration: JWTAuthLocalConfiguration, logger: Logger) async throws -> LocalStores {
        let url = configuration.database
        let isPostgres = url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
        var users: any UserStore & SessionStore & ClientStore
        var loginLimits: any LoginLimitStore = MemoryLoginLimitStore()
        var closeDatabase: @Sendable () async -> Void = {}
        if url == "memory" {
            users = MemoryStore()
        } else if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw JWTAuthError(.invalidInput, "database sqlite: needs a path") }
            let store = try await SQLStore.sqlite(path: path, logger: logger)
            users = store
            closeDatabase = { try? await store.close() }
        } else if isPostgres {
            let store = try await SQLStore.postgres(url: url, logger: logger)
            users = store
            // Instances sharing PostgreSQL share the login limits too.
            loginLimits = store
            closeDatabase = { try? await store.close() }
        } else {
            throw JWTAuthError(.invalidInput, "unsupported database; use memory, sqlite:PATH or postgres://…")
        }
        let database = users
        let databaseLimits = loginLimits
        let closeStore = closeDatabase
        guard let sessionURL = configuration.sessionStore else {
            return LocalStores(sessions: database, users: database, clients: database, loginLimits: databaseLimits, close: closeStore)
        }
        guard ["redis://", "rediss://", "redis+cluster://", "rediss+cluster://"].contains(where: { sessionURL.hasPrefix($0) }) else {
            await closeStore()
            throw JWTAuthError(.invalidInput, "unsupported session store; use redis://…, rediss://… (TLS), redis+cluster://… or rediss+cluster://…")
        }
        let redis: RedisSessionStore
        do {
            redis = try RedisSessionStore(url: sessionURL, revocationRetention: configuration.session.revocationRetention, logger: logger)
        } catch {
            await closeStore()
            throw error
        }
        return LocalStores(
            sessions: redis,
            users: database,
            clients: database,
            loginLimits: redis,
            close: {
                await redis.close()
                await closeStore()
            }
        )
    }
}
