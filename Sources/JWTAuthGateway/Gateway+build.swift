import AsyncHTTPClient
public import CoreMetrics
public import Hummingbird
import HummingbirdJWTAuth
public import JWTAuth
import JWTAuthPrometheus
import JWTAuthRemote
public import Logging
import NIOCore
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `jwtauth gateway` as a library: a verifying reverse proxy in front of `upstream` that knows
/// the issuer only through its RFC 8414 metadata, its JWKS and (with a client id) its revocation
/// feed. It starts without keys and answers 503 until the first key set arrives; it keeps
/// retrying the JWKS and the feed (with a backoff of at most 10 s) and recovers by itself.
///
/// - Parameters:
///   - configuration: The gateway's settings; see ``GatewayConfiguration``.
///   - logger: Where the gateway logs (never a token or the client secret).
///   - onListening: Called with the bound port once the gateway accepts connections.
///   - onMetricsListening: Called with the bound port of the `/metrics` listener, if any.
/// - Throws: `invalid_input` for a configuration that cannot work.
public func buildGateway(
    configuration: GatewayConfiguration,
    logger: Logger = Logger(label: "jwtauth.gateway"),
    onListening: @escaping @Sendable (Int) async -> Void = { _ in },
    onMetricsListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    try configuration.validate()
    var keyConfiguration = RemoteKeySetConfiguration(issuer: configuration.issuer)
    keyConfiguration.unknownKeyCooldown = configuration.jwksRefetchCooldown
    let keys = try RemoteKeySet(configuration: keyConfiguration, logger: logger)
    var revocations: RemoteRevocations? = nil
    if let clientID = configuration.clientID, let secret = configuration.clientSecret {
        var feed = RemoteRevocationsConfiguration(issuer: configuration.issuer, clientID: clientID, clientSecret: secret)
        feed.staleLimit = configuration.revocationStaleLimit
        // A stale limit of 0 keeps the feed but never fails closed; the reader logs that itself.
        revocations = try RemoteRevocations(configuration: feed, keySet: keys, logger: logger)
    } else {
        logger.warning("no --client-id: the revocation feed is off, and a revoked access token is accepted until it expires")
    }
    let verifier = try RemoteAccessTokenVerifier(keySet: keys, revocations: revocations, audiences: [configuration.effectiveAudience])
    var services: [any Service] = [keys]
    if let revocations {
        services.append(revocations)
        services.append(FeedLagService(revocations: revocations, factory: configuration.metricsFactory))
    }
    return try buildGateway(
        configuration: configuration,
        verifier: verifier,
        problems: { verifier.problems },
        services: services,
        logger: logger,
        onListening: onListening,
        onMetricsListening: onMetricsListening
    )
}

/// The gateway as a library, around a verifier of your choice: `jwtauth gateway` passes a
/// remote verifier (the issuer's JWKS and revocation feed); tests may pass a `SessionManager`.
///
/// - Parameters:
///   - configuration: Address, upstream, timeouts, role and public prefixes.
///   - verifier: Verifies access tokens.
///   - problems: Why tokens cannot be verified right now, for `/health` (empty when they can).
///   - services: Services to run beside the server (a remote key set, a feed reader).
///   - logger: Where the gateway logs.
///   - metricsFactory: Where request and verification metrics go; by default the
///     process's Prometheus registry when `metricsListen` is set, else the bootstrapped backend.
///   - onListening: Called with the bound port once the gateway accepts connections.
///   - onMetricsListening: Called with the bound port of the `/metrics` listener, if any.
public func buildGateway(
    configuration: GatewayConfiguration,
    verifier: any AccessTokenVerifier,
    problems: @escaping @Sendable () -> [String] = { [] },
    services: [any Service] = [],
    logger: Logger = Logger(label: "jwtauth.gateway"),
    metricsFactory: (any MetricsFactory)? = nil,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in },
    onMetricsListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    try configuration.validate()
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: upstreamClientConfiguration(configuration))
    let responder: GatewayResponder
    do {
        responder = try GatewayResponder(
            configuration: configuration,
            verifier: verifier,
            client: client,
            problems: problems,
            metricsFactory: metricsFactory ?? configuration.metricsFactory,
            logger: logger
        )
    } catch {
        try? client.syncShutdown()
        throw error
    }
    var services: [any Service] = services + [HTTPClientShutdownService(client: client)]
    if let listen = configuration.metricsListen, let address = PrometheusExporter.parseListenAddress(listen) {
        services.append(PrometheusExporter.listener(host: address.host, port: address.port, logger: logger, onListening: onMetricsListening))
    }
    return Application(
        responder: responder,
        // Idle connections are closed after a minute (a stream that keeps sending is not idle).
        server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()], idleTimeout: .seconds(60))),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "jwtauth-gateway"),
        services: services,
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// A client that hands the upstream's answers over as they are: no redirects followed, no
/// decompression, HTTP/1.1 with a pool sized for a proxy, and a refused connection reported at
/// once.
func upstreamClientConfiguration(_ configuration: GatewayConfiguration) -> HTTPClient.Configuration {
    var client = HTTPClient.Configuration()
    client.redirectConfiguration = .disallow
    client.decompression = .disabled
    client.httpVersion = .http1Only
    let timeout = configuration.upstreamTimeout.timeAmount
    client.timeout = HTTPClient.Configuration.Timeout(connect: min(timeout, .seconds(10)), read: timeout)
    client.connectionPool = HTTPClient.Configuration.ConnectionPool(
        idleTimeout: .seconds(60),
        concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maximumUpstreamConnections
    )
    // By default the client keeps trying to connect until the connect timeout (up to 10 s):
    // every caller of a down upstream would wait that long for its 502. A proxy answers at once
    // and lets the caller retry.
    client.connectionPool.retryConnectionEstablishment = false
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

/// Runs the gateway until SIGTERM or SIGINT, then drains in-flight requests and returns.
/// Prints one line on stdout once it listens (with the port it got, when asked for port 0).
///
/// - Parameter services: Services that start before the gateway and stop after it has drained,
///   such as a trace exporter.
public func runGateway(configuration: GatewayConfiguration, logger: Logger, services: [any Service] = []) async throws {
    let app = try buildGateway(
        configuration: configuration,
        logger: logger,
        onListening: { port in
            let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
            print("jwtauth gateway listening on http://\(host):\(port) (issuer \(configuration.issuer), upstream \(configuration.upstream))")
            fflush(nil)
        },
        onMetricsListening: { port in
            logger.info("metrics listening", metadata: ["address": "\(configuration.metricsListen ?? "")", "port": "\(port)"])
        }
    )
    try await app.runUntilTerminated(outlivedBy: services)
}
