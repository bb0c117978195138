import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OrdersService

/// `orders-service --issuer URL [--host H] [--port P] [--client-id ID --client-secret-file F]`
@main
struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders-service",
        abstract: "The seed's /api/userOrders, verifying the access tokens of a jwtauth token server."
    )

    @Option(help: "The token server's issuer URL (as `jwtauth serve` prints it).")
    var issuer: String

    @Option(help: "The audience tokens must carry (default: the issuer).")
    var audience: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8082

    @Option(name: .customLong("client-id"), help: "This service's client id for the revocation feed (jwtauth clients add … --scope revocations:read).")
    var clientID: String?

    @Option(name: .customLong("client-secret-file"), help: "A file holding the client secret.")
    var clientSecretFile: String?

    func validate() throws {
        guard (self.clientID == nil) == (self.clientSecretFile == nil) else {
            throw ValidationError("--client-id and --client-secret-file go together")
        }
    }

    func run() async throws {
        let secret = try self.clientSecretFile.map { path in
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let logger = Logger(label: "orders")
        let app = try buildOrdersApplication(
            configuration: OrdersConfiguration(
                issuer: self.issuer,
                audience: self.audience,
                host: self.host,
                port: self.port,
                clientID: self.clientID,
                clientSecret: secret
            ),
            logger: logger
        )
        try await app.runService()
    }
}
