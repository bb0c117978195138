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
            let (client, secret) = try await CLIFailure.reporting {
                try await addClient(
                    configuration: try ClientsCommand.configuration(self.store),
                    name: self.name,
                    scopes: scopes,
                    logger: Console.administrationLogger()
                )
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
            let clients = try await CLIFailure.reporting {
                try await listClients(configuration: try ClientsCommand.configuration(self.store), logger: Console.administrationLogger())
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
            Console.printTable(
                [["ID", "NAME", "SCOPES", "CREATED"]]
                    + clients.map { client in [client.id, client.name, client.scopes.joined(separator: ","), Console.date(client.createdAt)] }
            )
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
            try await CLIFailure.reporting {
                try await removeClient(configuration: try ClientsCommand.configuration(self.store), id: self.id, logger: Console.administrationLogger())
            }
        }
    }

    static func configuration(_ store: StoreOptions) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        try store.apply(to: &configuration, environment: Environment())
        return configuration
    }
}
