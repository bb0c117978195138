import JWTAuthSQL
import Logging

extension ServerStores {
    /// Opens the configured stores, runs `body` with them and closes them after, whether or not
    /// `body` threw: what every administration command does.
    static func withStores<Result>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        _ body: (ServerStores) async throws -> Result
    ) async throws -> Result {
        try await Self.closing(try await Self.open(configuration, logger: logger), close: { await $0.close() }, body)
    }

    /// Opens the SQL database alone (users, clients, signing keys: no session store), runs
    /// `body` with it and closes it after, whether or not `body` threw.
    static func withDatabase<Result>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        _ body: (SQLStore) async throws -> Result
    ) async throws -> Result {
        try await Self.closing(try await Self.openDatabase(configuration, logger: logger), close: { try? await $0.close() }, body)
    }

    private static func closing<Resource, Result>(
        _ resource: Resource,
        close: (Resource) async -> Void,
        _ body: (Resource) async throws -> Result
    ) async throws -> Result {
        let result: Result
        do {
            result = try await body(resource)
        } catch {
            await close(resource)
            throw error
        }
        await close(resource)
        return result
    }
}
