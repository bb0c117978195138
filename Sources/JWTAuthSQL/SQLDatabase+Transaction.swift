import SQLKit

extension SQLDatabase {
    /// Runs `body` between `begin` and `COMMIT`, rolling back when it throws.
    ///
    /// The caller owns the connection for the whole call (SQLite's lock, a pooled PostgreSQL
    /// connection); a transaction on a connection others can use at the same time would mix
    /// their statements into it.
    func runTransaction<Result: Sendable>(
        begin: String = "BEGIN",
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await self.raw("\(unsafeRaw: begin)").run()
        do {
            let result = try await body(self)
            try await self.raw("COMMIT").run()
            return result
        } catch {
            // The statement that failed may have ended the transaction already; the error that
            // matters is the first one.
            try? await self.raw("ROLLBACK").run()
            throw error
        }
    }
}
