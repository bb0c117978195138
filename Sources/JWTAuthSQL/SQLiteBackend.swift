import JWTAuth
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// One SQLite file in WAL mode, behind one connection and a FIFO lock.
///
/// SQLite has one writer at a time anyway; serializing here (rather than in SQLite's busy
/// handler) keeps transactions whole on the shared connection and never parks a thread-pool
/// thread on a lock. `synchronous=NORMAL` in WAL mode makes every committed transaction
/// survive a crash of the process (`kill -9`); only an OS crash or power loss can lose the
/// last ones.
final class SQLiteBackend: SQLBackend {
    let dialect = SQLStoreDialect.sqlite
    private let connection: SQLiteConnection
    private let database: any SQLDatabase
    private let threadPool: NIOThreadPool
    private let lock = AsyncLock()

    static func open(path: String, logger: Logger) async throws -> SQLiteBackend {
        // SQLite gets its own thread: bcrypt and file I/O on the shared pool cannot starve it.
        SQLiteFilePermissions.secure(path: path, logger: logger)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        do {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path),
                threadPool: threadPool,
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any()
            )
            do {
                for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=ON"] {
                    _ = try await connection.query(pragma)
                }
            } catch {
                try? await connection.close()
                throw error
            }
            return SQLiteBackend(connection: connection, threadPool: threadPool)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    private init(connection: SQLiteConnection, threadPool: NIOThreadPool) {
        self.connection = connection
        // No query logging: binds include token ids and password hashes.
        self.database = connection.sql(queryLogLevel: nil)
        self.threadPool = threadPool
    }

    func transaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        let database = self.database
        let begin = self.dialect.beginTransaction
        return try await self.lock.withLock {
            try await database.runTransaction(begin: begin, body)
        }
    }

    func withDatabase<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        let database = self.database
        return try await self.lock.withLock { try await body(database) }
    }

    func revocationFeed() -> AsyncStream<RevocationFeedMessage>? { nil }

    func isUniqueViolation(_ error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        return error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
    }

    func close() async throws {
        try await self.lock.withLock {
            if !self.connection.isClosed { try await self.connection.close() }
        }
        try await self.threadPool.shutdownGracefully()
    }
}
