import Foundation
import Logging
import Vapor
import VaporOrders

/// `vapor-orders serve --hostname 127.0.0.1 --port 8082`, configured from the environment:
/// `ORDERS_ISSUER` (required), `ORDERS_AUDIENCE`, `ORDERS_CLIENT_ID` and
/// `ORDERS_CLIENT_SECRET_FILE` (the secret is read from a file, never from the command line).
@main
enum Entrypoint {
    static func main() async throws {
        var env = try Environment.detect()
        try LoggingSystem.bootstrap(from: &env)
        let app = try await Application.make(env)
        do {
            guard let issuer = Environment.get("ORDERS_ISSUER") else {
                app.logger.critical("set ORDERS_ISSUER to the token server's issuer URL")
                throw Abort(.internalServerError, reason: "ORDERS_ISSUER is not set")
            }
            var secret: String? = nil
            if let file = Environment.get("ORDERS_CLIENT_SECRET_FILE") {
                secret = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let configuration = OrdersConfiguration(
                issuer: issuer,
                audience: Environment.get("ORDERS_AUDIENCE"),
                clientID: Environment.get("ORDERS_CLIENT_ID"),
                clientSecret: secret
            )
            try await configure(app, configuration: configuration)
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
