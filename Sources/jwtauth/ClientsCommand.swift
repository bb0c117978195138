import ArgumentParser
import Foundation
import JWTAuth
import JWTAuthServer
import Logging

/// `jwtauth clients`: machine clients of the client-credentials grant, in the user store.
struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "Manage machine clients (client-credentials grant).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client; prints {\"client_id\",\"client_secret\"}.",
            discussion: "The secret is stored only as a hash: this is the one time it is shown."
        )

        @Argument(help: "A name for the client, e.g. the service it stands for.")
        var name: String

        @Option(name: .long, help: "The scopes it may ask for, comma-separated (e.g. revocations:read).")
        var scope: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let scopes = self.scope.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let (client, secret) = try await ClientsCommand.perform {
                try await addClient(configuration: try ClientsCommand.configuration(self.store), name: self.name, scopes: scopes, logger: ClientsCommand.logger)
            }
            print(JSONValue.object(["client_id": .string(client.id), "client_secret": .string(secret)]).jsonString)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the clients: id, name, scopes, created (never a secret or its hash).")

        @Flag(name: .long, help: "Print a JSON array instead of a table.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let clients = try await ClientsCommand.perform {
                try await listClients(configuration: try ClientsCommand.configuration(self.store), logger: ClientsCommand.logger)
            }
            if self.json {
                let list = clients.map { client -> JSONValue in
                    [
                        "id": .string(client.id),
                        "name": .string(client.name),
                        "scopes": .array(client.scopes.map(JSONValue.string)),
                        "created_at": .integer(client.createdAt.wholeSeconds),
                    ]
                }
                print(JSONValue.array(list).jsonString)
                return
            }
            let rows = [["ID", "NAME", "SCOPES", "CREATED"]] + clients.map { client in
                [
                    client.id, client.name, client.scopes.joined(separator: ","),
                    Date(timeIntervalSince1970: client.createdAt.secondsSinceEpoch).ISO8601Format(),
                ]
            }
            let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let padded = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                print(padded.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a client and revoke its tokens at once.",
            discussion: "Running servers (and the services reading their revocation feed) refuse its tokens from then on."
        )

        @Argument(help: "The client id (c_…).")
        var id: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await ClientsCommand.perform {
                try await removeClient(configuration: try ClientsCommand.configuration(self.store), id: self.id, logger: ClientsCommand.logger)
            }
        }
    }

    static func configuration(_ store: StoreOptions) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        try store.apply(to: &configuration, environment: Environment())
        return configuration
    }

    static var logger: Logger {
        var logger = Logger(label: "jwtauth")
        logger.logLevel = .warning
        return logger
    }

    /// Runs library work, reporting its errors as `error: <code>: <message>` (exit 2 for bad
    /// input, 1 for anything else: an unknown client, an unreachable store).
    static func perform<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as JWTAuthError {
            throw CLIFailure(code: error.code.description, message: error.message, exitCode: error.code == .invalidInput ? 2 : 1)
        }
    }
}
