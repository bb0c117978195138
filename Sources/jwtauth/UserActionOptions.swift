import ArgumentParser
import JWTAuth
import JWTAuthServer
import Logging

/// What every command acting on one user takes: the user, `--json` and the store flags; and
/// how it runs the action and prints its one line.
struct UserActionOptions: ParsableArguments {
    @Argument(help: "The user's id or username.")
    var user: String

    @Flag(name: .long, help: "Print the user as JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    /// Runs `action` on the store the flags name and prints the user it returns (`done`
    /// starts the sentence printed without `--json`); failures go through ``CLIFailure``.
    func perform(
        done: String,
        _ action: @escaping @Sendable (String, ServerConfiguration, Logger) async throws -> UserRecord
    ) async throws {
        let configuration = try ClientsCommand.configuration(self.store)
        let user = try await CLIFailure.reporting { [user = self.user] in
            try await action(user, configuration, Console.administrationLogger())
        }
        UsersCommand.report(user, json: self.json, done: done)
    }
}
