import ArgumentParser
import JWTAuth
import JWTAuthServer

extension UsersCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users: id, username, roles, disabled, created (never a password hash).")

        @Flag(name: .long, help: "Print a JSON array instead of a table.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let users = try await CLIFailure.reporting {
                try await listUsers(configuration: try ClientsCommand.configuration(self.store), logger: Console.administrationLogger())
            }
            if self.json {
                print(JSONValue.array(users.map(UsersCommand.json)).jsonString)
                return
            }
            Console.printTable(
                [["ID", "USERNAME", "ROLES", "DISABLED", "CREATED"]]
                    + users.map { user in
                        [
                            user.id, user.username, user.roles.isEmpty ? "-" : user.roles.joined(separator: ","), user.isDisabled ? "yes" : "no",
                            Console.date(user.createdAt),
                        ]
                    }
            )
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a user: logins are refused, and every session and access token ends at once.",
            discussion: "Running servers sharing the store refuse the user's access tokens from then on."
        )

        @OptionGroup var options: UserActionOptions

        func run() async throws {
            try await self.options.perform(done: "disabled") { user, configuration, logger in
                try await setUserDisabled(user, true, configuration: configuration, logger: logger)
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user again (their ended sessions stay ended).")

        @OptionGroup var options: UserActionOptions

        func run() async throws {
            try await self.options.perform(done: "enabled") { user, configuration, logger in
                try await setUserDisabled(user, false, configuration: configuration, logger: logger)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user; every session and access token of it ends at once.",
            discussion: "The username is free again afterwards. The audit log keeps the user's events (by id) until they age out."
        )

        @OptionGroup var options: UserActionOptions

        func run() async throws {
            try await self.options.perform(done: "removed") { user, configuration, logger in
                try await removeUser(user, configuration: configuration, logger: logger)
            }
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a user's password; every session of the user ends.",
            discussion: """
                The password is read from standard input (one trailing line break removed), or \
                asked for without echo on a terminal; never from a flag. Registration's rules apply \
                (8 to 72 bytes, no NUL).
                """
        )

        @OptionGroup var options: UserActionOptions

        func run() async throws {
            let password = try Console.password(prompt: "New password for \(self.options.user): ")
            try await self.options.perform(done: "password set for") { user, configuration, logger in
                try await setUserPassword(user, password: password, configuration: configuration, logger: logger)
            }
        }
    }

    /// A user as the commands print it: never the password hash.
    static func json(_ user: UserRecord) -> JSONValue {
        [
            "id": .string(user.id),
            "username": .string(user.username),
            "roles": .array(user.roles.map(JSONValue.string)),
            "disabled": .bool(user.isDisabled),
            "created_at": .integer(user.createdAt.wholeSeconds),
        ]
    }

    /// The line an action prints: the user as JSON, or a sentence.
    static func report(_ user: UserRecord, json: Bool, done: String) {
        print(json ? Self.json(user).jsonString : "\(done) \(user.username) (\(user.id))")
    }
}
