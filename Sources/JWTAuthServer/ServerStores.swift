public import JWTAuth
import JWTAuthRedis
import JWTAuthSQL
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The stores a server runs on, opened from the configuration's URLs.
public struct ServerStores: Sendable {
    /// Where sessions live: Redis when the configuration names it, else the SQL database.
    public let sessions: any SessionStore
    /// Where accounts live: the SQL database.
    public let users: any UserStore
    /// Where signing keys live: the SQL database (Redis never holds keys).
    public let signingKeys: any SigningKeyStore
    /// Where machine clients live: the SQL database, beside the users.
    public let clients: any ClientStore
    /// Where the audit log lives: the SQL database, also when sessions are in Redis.
    public let audit: any AuditStore
    /// Where failed logins are counted: with the sessions when several instances may share
    /// them (Redis, PostgreSQL), so the limits hold across instances; in process memory on
    /// SQLite, which one process serves.
    public let loginLimits: any LoginLimitStore
    let closeAll: @Sendable () async -> Void

    /// Opens the user store (`--database`) and the session store (`--sessions`, else the
    /// same database).
    public static func open(_ configuration: ServerConfiguration, logger: Logger) async throws -> ServerStores {
        let store = try await Self.openDatabase(configuration, logger: logger)
        guard let sessions = configuration.sessions else {
            return ServerStores(
                sessions: store,
                users: store,
                signingKeys: store,
                clients: store,
                audit: store,
                loginLimits: Self.loginLimitStore(database: configuration.effectiveDatabase, store),
                closeAll: { try? await store.close() }
            )
        }
        guard ["redis://", "rediss://", "redis+cluster://", "rediss+cluster://"].contains(where: { sessions.hasPrefix($0) }) else {
            try? await store.close()
            throw JWTAuthError(
                .invalidInput,
                "unsupported --sessions \(Self.redacted(sessions)); use redis://…, rediss://… (TLS), redis+cluster://… or rediss+cluster://…"
            )
        }
        let redis: RedisSessionStore
        do {
            redis = try RedisSessionStore(
                url: sessions,
                revocationRetention: configuration.session.revocationRetention,
                logger: logger
            )
        } catch {
            try? await store.close()
            throw error
        }
        return ServerStores(
            sessions: redis,
            users: store,
            signingKeys: store,
            clients: store,
            audit: store,
            loginLimits: redis,
            closeAll: {
                await redis.close()
                try? await store.close()
            }
        )
    }

    /// Where failed logins are counted when sessions are in the SQL database: PostgreSQL for
    /// the instances that share it; process memory for SQLite. An SQLite file is served by one
    /// process, so memory counts the same attempts, without two more write transactions per
    /// login on SQLite's single writer lock (shared with every refresh); as before, a restart
    /// forgets the counts.
    static func loginLimitStore(database: String, _ store: SQLStore) -> any LoginLimitStore {
        Self.isPostgres(database) ? store : MemoryLoginLimitStore()
    }

    static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    /// Opens the SQL database (`--database`) alone: users and signing keys.
    static func openDatabase(_ configuration: ServerConfiguration, logger: Logger) async throws -> SQLStore {
        let database = configuration.effectiveDatabase
        if Self.isPostgres(database) {
            return try await SQLStore.postgres(url: database, logger: logger)
        } else if database.hasPrefix("sqlite:") {
            return try await Self.openSQLite(database, configuration: configuration, logger: logger)
        } else {
            throw JWTAuthError(.invalidInput, "unsupported --database \(Self.redacted(database)); use sqlite:PATH or postgres://…")
        }
    }

    private static func openSQLite(_ database: String, configuration: ServerConfiguration, logger: Logger) async throws -> SQLStore {
        var path = String(database.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
        guard !path.isEmpty else { throw JWTAuthError(.invalidInput, "--database sqlite: needs a path") }
        if configuration.database == nil {
            // The default location: make the data directory, private to this user.
            mkdir(configuration.dataDirectory, 0o700)
        }
        return try await SQLStore.sqlite(path: path, logger: logger)
    }

    /// Closes both stores; failures while closing are ignored.
    public func close() async {
        await self.closeAll()
    }

    /// A URL for messages: the password part of `scheme://user:password@host` is hidden.
    static func redacted(_ url: String) -> String {
        let characters = Array(url)
        guard
            let schemeEnd = (0..<max(0, characters.count - 2)).first(where: { characters[$0] == ":" && characters[$0 + 1] == "/" && characters[$0 + 2] == "/" }
            ),
            let at = characters.lastIndex(of: "@"), at > schemeEnd + 3
        else { return url }
        guard let colon = characters[(schemeEnd + 3)..<at].firstIndex(of: ":") else { return url }
        return String(characters[..<colon]) + ":***" + String(characters[at...])
    }
}
