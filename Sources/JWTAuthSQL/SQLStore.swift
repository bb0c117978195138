public import JWTAuth
public import Logging
import SQLKit

/// Users, clients, sessions and revocations in SQL: SQLite (embedded, the default) or PostgreSQL.
///
/// Both databases run the same statements; only transaction start, row locking and the
/// revocation log's key type differ (``SQLStoreDialect``). The refresh compare-and-rotate runs
/// in one transaction with the session row locked, so of many concurrent refreshes of one
/// token exactly one rotates. Schema migrations are versioned in code and applied on open.
public final class SQLStore: SessionStore, UserStore {
    let backend: any SQLBackend
    let logger: Logger

    init(backend: any SQLBackend, logger: Logger) {
        self.backend = backend
        self.logger = logger
    }

    /// Opens (creating if needed) an SQLite database file and migrates it.
    public static func sqlite(path: String, logger: Logger = Logger(label: "jwtauth.sql")) async throws -> SQLStore {
        let backend: SQLiteBackend
        do {
            backend = try await SQLiteBackend.open(path: path, logger: logger)
        } catch {
            throw JWTAuthError(.storeUnavailable, "cannot open the SQLite database at \(path)")
        }
        let store = SQLStore(backend: backend, logger: logger)
        do {
            try await store.migrate()
        } catch {
            try? await backend.close()
            throw error
        }
        return store
    }

    /// Connects to PostgreSQL (`postgres://user:password@host:port/database?sslmode=…`) and
    /// migrates it. Several instances may do this at once: migrations take an advisory lock.
    ///
    /// - Parameters:
    ///   - deadline: How long one database operation may take before it fails with
    ///     `store_unavailable` (the pool would otherwise wait for an unreachable server).
    ///   - migrationDeadline: How long connecting and migrating on open may take; longer than
    ///     `deadline` because a migration may build an index, and a server starting beside a
    ///     busy database should wait for it rather than fail.
    public static func postgres(
        url: String,
        deadline: Duration = .seconds(3),
        migrationDeadline: Duration = .seconds(30),
        logger: Logger = Logger(label: "jwtauth.sql")
    ) async throws -> SQLStore {
        let parsed = try PostgresURL(url)
        let backend = try PostgresBackend(url: parsed, logger: logger, deadline: deadline, migrationDeadline: max(deadline, migrationDeadline))
        let store = SQLStore(backend: backend, logger: logger)
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw JWTAuthError(.storeUnavailable, "cannot migrate the PostgreSQL database at \(parsed)")
        }
        return store
    }

    /// Closes the database.
    public func close() async throws {
        try await self.backend.close()
    }

    /// The schema version after migration.
    public func schemaVersion() async throws -> Int {
        try await self.run("read the schema version") { db in
            try await db.raw("SELECT MAX(version) AS version FROM jwtauth_schema").first(decodingColumn: "version", as: Int?.self).flatMap { $0 } ?? 0
        }
    }

    /// Applies the migrations this build knows and the database has not seen, in order.
    func migrate() async throws {
        let migrations = self.backend.dialect.migrations
        let migrationLock = self.backend.dialect.migrationLock
        let logger = self.logger
        try await self.backend.migrationTransaction { db in
            if let migrationLock {
                // Instances starting together migrate one after the other.
                try await db.raw("\(unsafeRaw: migrationLock)").run()
            }
            try await db.raw("CREATE TABLE IF NOT EXISTS jwtauth_schema (version INTEGER NOT NULL)").run()
            let current =
                try await db.raw("SELECT MAX(version) AS version FROM jwtauth_schema").first(decodingColumn: "version", as: Int?.self).flatMap { $0 } ?? 0
            for migration in migrations where migration.version > current {
                for statement in migration.statements {
                    try await db.raw("\(unsafeRaw: statement)").run()
                }
                if migration.version == SQLSchema.usernameProfileVersion {
                    try await Self.rekeyUsernames(db, logger: logger)
                }
                try await db.raw("INSERT INTO jwtauth_schema (version) VALUES (\(bind: migration.version))").run()
            }
        }
    }

    /// Runs database work, reporting driver failures as `store_unavailable` (the driver's own
    /// error goes to the log at debug level; it never reaches a client).
    func run<Result: Sendable>(
        _ action: String,
        transaction: Bool = false,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        do {
            return transaction ? try await self.backend.transaction(body) : try await self.backend.withDatabase(body)
        } catch let error as JWTAuthError {
            throw error
        } catch {
            self.logger.debug("database error", metadata: ["action": "\(action)", "error": "\(String(reflecting: error))"])
            throw JWTAuthError(.storeUnavailable, "the database failed to \(action)")
        }
    }

    public func checkHealth() async throws {
        _ = try await self.run("answer a health check") { db in
            try await db.raw("SELECT 1 AS one").first(decodingColumn: "one", as: Int.self)
        }
    }
}
