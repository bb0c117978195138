import ArgumentParser
import JWTAuth
import JWTAuthServer

/// `jwtauth sessions`: users' sessions in the session store, revoked on running servers at once.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List and revoke users' sessions.",
        subcommands: [List.self, Revoke.self, RevokeUser.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List active sessions: of one user, or of every user.")

        @Option(name: .long, help: "Only this user's sessions (id or username).")
        var user: String?

        @Flag(name: .long, help: "Print a JSON array instead of a table.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let sessions = try await CLIFailure.reporting {
                try await listSessions(user: self.user, configuration: try ClientsCommand.configuration(self.store), logger: Console.administrationLogger())
            }
            if self.json {
                print(JSONValue.array(sessions.map(SessionsCommand.json)).jsonString)
                return
            }
            Console.printTable(
                [["ID", "USER", "CLIENT", "CREATED", "LAST USED", "ENDS", "USER AGENT"]]
                    + sessions.map { session in
                        [
                            session.id, session.userID, session.clientID, Console.date(session.createdAt), Console.date(session.lastUsedAt),
                            Console.date(min(session.expiresAt, session.refreshExpiresAt)), session.userAgent.map { String($0.prefix(40)) } ?? "-",
                        ]
                    }
            )
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke one session: its refresh token and access tokens stop working at once.",
            discussion: "Without --user every user's sessions are searched for the id."
        )

        @Argument(help: "The session id (the tokens' sid).")
        var session: String

        @Option(name: .long, help: "The session's user (id or username), to find it faster.")
        var user: String?

        @Flag(name: .long, help: "Print the session as JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let session = try await CLIFailure.reporting {
                try await revokeSession(
                    self.session,
                    user: self.user,
                    configuration: try ClientsCommand.configuration(self.store),
                    logger: Console.administrationLogger()
                )
            }
            print(self.json ? SessionsCommand.json(session).jsonString : "revoked session \(session.id) of user \(session.userID)")
        }
    }

    struct RevokeUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-user",
            abstract: "Revoke every session and access token of a user at once (the user can log in again)."
        )

        @OptionGroup var options: UserActionOptions

        func run() async throws {
            try await self.options.perform(done: "revoked every session of") { user, configuration, logger in
                try await revokeUserSessions(user, configuration: configuration, logger: logger)
            }
        }
    }

    static func json(_ session: SessionRecord) -> JSONValue {
        [
            "id": .string(session.id),
            "user_id": .string(session.userID),
            "client_id": .string(session.clientID),
            "user_agent": session.userAgent.map(JSONValue.string) ?? .null,
            "created_at": .integer(session.createdAt.wholeSeconds),
            "last_used_at": .integer(session.lastUsedAt.wholeSeconds),
            "expires_at": .integer(session.expiresAt.wholeSeconds),
            "refresh_expires_at": .integer(session.refreshExpiresAt.wholeSeconds),
        ]
    }
}
