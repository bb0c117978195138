import Foundation
import Logging
import PostgresNIO

/// Creates and drops the per-test databases on the test PostgreSQL server.
enum PostgresAdmin {
    static func execute(_ url: String, _ statement: String) async throws {
        let components = try Components(url)
        let configuration = PostgresConnection.Configuration(
            host: components.host,
            port: components.port,
            username: components.user,
            password: components.password,
            database: components.database,
            tls: .disable
        )
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test.postgres"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "test.postgres"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// `url` with another database name.
    static func url(_ url: String, database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }

    struct Components {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var database: String

        init(_ url: String) throws {
            guard let components = URLComponents(string: url), let host = components.host else { throw URLError(.badURL) }
            self.host = host
            self.port = components.port ?? 5432
            self.user = components.user ?? "postgres"
            self.password = components.password
            self.database = String(components.path.dropFirst()).isEmpty ? "postgres" : String(components.path.dropFirst())
        }
    }
}
