import AsyncHTTPClient
public import Hummingbird
import HummingbirdJWTAuth
public import JWTAuth
public import Logging
import NIOCore
public import ServiceLifecycle

/// The gateway as a library, around a verifier of your choice: `jwtauth gateway` passes a
/// remote verifier (the issuer's JWKS and revocation feed); tests may pass a `SessionManager`.
///
/// - Parameters:
///   - configuration: Address, upstream, timeouts, role and public prefixes.
///   - verifier: Verifies access tokens.
///   - problems: Why tokens cannot be verified right now, for `/health` (empty when they can).
///   - services: Services to run beside the server (a remote key set, a feed reader).
///   - logger: Where the gateway logs.
///   - onListening: Called with the bound port once the gateway accepts connections.
public func buildGateway(
    configuration: GatewayConfiguration,
    verifier: any AccessTokenVerifier,
    problems: @escaping @Sendable () -> [String] = { [] },
    services: [any Service] = [],
    logger: Logger = Logger(label: "jwtauth.gateway"),
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    try configuration.validate()
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: upstreamClientConfiguration(configuration))
    let responder: GatewayResponder
    do {
        responder = try GatewayResponder(configuration: configuration, verifier: verifier, client: client, problems: problems, logger: logger)
    } catch {
        try? client.syncShutdown()
        throw error
    }
    return Application(
        responder: responder,
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "jwtauth-gateway"),
        services: services + [HTTPClientShutdownService(client: client)],
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// A client that hands the upstream's answers over as they are: no redirects followed, no
/// decompression, HTTP/1.1 with a pool sized for a proxy.
func upstreamClientConfiguration(_ configuration: GatewayConfiguration) -> HTTPClient.Configuration {
    var client = HTTPClient.Configuration()
    client.redirectConfiguration = .disallow
    client.decompression = .disabled
    client.httpVersion = .http1Only
    let timeout = TimeAmount.nanoseconds(GatewayResponder.nanoseconds(configuration.upstreamTimeout))
    client.timeout = HTTPClient.Configuration.Timeout(connect: min(timeout, .seconds(10)), read: timeout)
    client.connectionPool = HTTPClient.Configuration.ConnectionPool(
        idleTimeout: .seconds(60),
        concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maximumUpstreamConnections
    )
    return client
}

/// Shuts the upstream client down after the server has drained.
struct HTTPClientShutdownService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try? await self.client.shutdown()
    }
}
