import Hummingbird
import HummingbirdJWTAuth
public import JWTAuth
import JWTAuthSQL
public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the token server until SIGTERM or SIGINT, then shuts down gracefully (in-flight
/// requests finish, stores close) and returns.
///
/// - Parameter services: Services that start before the server and stop after it has drained,
///   such as a trace exporter.
public func runServer(configuration: ServerConfiguration, logger: Logger, services: [any Service] = []) async throws {
    var resolved = configuration
    if resolved.port == 0 && resolved.issuer == nil {
        // The default issuer names the port; find a free one now so that it is a real URL.
        resolved.port = try await freePort(host: resolved.host)
    }
    let configuration = resolved
    let app = try await buildApplication(
        configuration: configuration,
        logger: logger,
        onListening: { port in
            let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
            print(
                "jwtauth listening on http://\(host):\(port) (issuer \(configuration.effectiveIssuer), store \(ServerStores.redacted(configuration.effectiveDatabase)))"
            )
            fflush(nil)
        },
        onMetricsListening: { port in
            logger.info("metrics listening", metadata: ["address": "\(configuration.metricsListen ?? "")", "port": "\(port)"])
        }
    )
    try await app.runUntilTerminated(outlivedBy: services)
}

/// A port that is free on `host` right now (the kernel's choice for port 0).
func freePort(host: String) async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: host, port: 0).get()
    let port = channel.localAddress?.port
    try? await channel.close().get()
    guard let port else { throw JWTAuthError(.invalidInput, "cannot find a free port on \(host)") }
    return port
}

/// Creates a user in the configured user store (`jwtauth users add`).
///
/// - Returns: The new user.
/// - Throws: `invalid_input` for an unacceptable name or password, `username_taken`.
public func addUser(
    configuration: ServerConfiguration,
    username: String,
    password: String,
    roles: [String],
    logger: Logger
) async throws -> UserRecord {
    try await Administration.run(configuration, logger: logger) { administration in
        try await administration.accounts.register(username: username, password: password, roles: roles, origin: Administration.origin)
    }
}
