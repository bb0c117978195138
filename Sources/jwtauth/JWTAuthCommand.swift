import ArgumentParser

/// `jwtauth`: the token server and the tools around it.
struct JWTAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwtauth",
        abstract: "JWT access tokens with rotating refresh tokens: server, keys and token tools.",
        subcommands: [
            ServeCommand.self, GatewayCommand.self, KeysCommand.self, TokenCommand.self, UsersCommand.self, SessionsCommand.self, ClientsCommand.self,
            AuditCommand.self,
        ]
    )
}
