import ArgumentParser
import JWTAuth
import JWTAuthServer
import Logging

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage accounts in the user store.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, Remove.self, SetPassword.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user; the password is read from standard input.",
            discussion: "One trailing line break is removed from the password. Prints the new user as JSON."
        )

        @Argument(help: "The username.")
        var name: String

        @Flag(name: .long, help: "Give the user the admin role.")
        var admin = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            var configuration = ServerConfiguration()
            try self.store.apply(to: &configuration, environment: Environment())
            let password = try Console.password()
            let user = try await CLIFailure.reporting {
                try await addUser(
                    configuration: configuration,
                    username: self.name,
                    password: password,
                    roles: self.admin ? ["admin"] : [],
                    logger: Console.administrationLogger()
                )
            }
            let roles = JSONValue.array(user.roles.map(JSONValue.string))
            print(JSONValue.object(["id": .string(user.id), "username": .string(user.username), "roles": roles]).jsonString)
        }
    }
}
