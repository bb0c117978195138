import JWTAuth
import SQLKit

/// A database the ``SQLStore`` runs its shared SQL on: SQLite or PostgreSQL.
protocol SQLBackend: Sendable {
    var dialect: SQLStoreDialect { get }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result

    /// Runs the schema migration in one transaction. A migration may rightly take longer than
    /// a request's database call (a new index on a large table, a busy server at start-up).
    func migrationTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result

    /// Runs `body` outside a transaction, for single statements.
    func withDatabase<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result

    /// Revocations pushed by the database, if it can.
    func revocationFeed() -> AsyncStream<RevocationFeedMessage>?

    /// True when `error` is a unique-constraint violation.
    func isUniqueViolation(_ error: any Error) -> Bool

    func close() async throws
}

extension SQLBackend {
    func migrationTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await self.transaction(body)
    }
}
