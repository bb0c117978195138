import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the token server."
    )

    func run() async throws {
        throw CLIFailure.usage("jwtauth serve is not yet available in this build")
    }
}
