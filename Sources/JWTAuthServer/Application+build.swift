public import CoreMetrics
public import Hummingbird
import HummingbirdJWTAuth
public import JWTAuth
import JWTAuthPrometheus
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The standalone token server as a library: everything `jwtauth serve` runs, built from a
/// ``ServerConfiguration``. Tests call this and drive the result with HummingbirdTesting.
///
/// - Parameters:
///   - configuration: What to serve and how: address, stores, keys, lifetimes and limits;
///     checked with ``ServerConfiguration/validate()`` first.
///   - logger: Where the server, the session engine and the stores log.
///   - clock: Where "now" comes from (tests pass a ``ManualClock``).
///   - metricsFactory: Where the server's metrics go. By default: the process's Prometheus
///     registry when ``ServerConfiguration/metricsListen`` is set (bootstrapped as the metrics
///     backend on first use), else whatever backend the process bootstrapped (none: no-ops).
///   - onListening: Called with the bound port once the server accepts connections.
///   - onMetricsListening: Called with the bound port of the `/metrics` listener, if any.
public func buildApplication(
    configuration: ServerConfiguration,
    logger: Logger = Logger(label: "jwtauth"),
    clock: any UnixClock = SystemClock(),
    metricsFactory: (any MetricsFactory)? = nil,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in },
    onMetricsListening: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    try configuration.validate()
    if configuration.effectiveIssuer.lowercased().hasPrefix("http://") && !configuration.isLocalDevelopment {
        // The cookie is Secure off loopback: a browser would drop it, and the first refresh
        // of a cookie-mode page would sign the user out.
        logger.warning("the issuer is plain http off loopback: cookie mode will not work in browsers; serve it over https")
    }
    try ServerKeys.checkConfiguration(configuration)
    // Bootstrapped before any metric is made: metrics bind to the backend of their creation.
    let factory = metricsFactory ?? (configuration.metricsListen == nil ? MetricsSystem.factory : PrometheusExporter.factory)
    let metrics = JWTAuthMetrics(factory: factory)
    let stores = try await ServerStores.open(configuration, logger: logger).instrumented(configuration, metrics: metrics)
    let bcryptPool = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
    bcryptPool.start()
    do {
        let keys = try await ServerKeys.open(configuration, store: stores.signingKeys, clock: clock, metrics: metrics, logger: logger)
        let audit = AuditService.recorder(configuration, store: stores.audit, clock: clock, logger: logger)
        let sessions = SessionManager(
            configuration: configuration.session,
            keys: keys.ring,
            sessions: stores.sessions,
            users: stores.users,
            clock: clock,
            audit: audit,
            metrics: metrics,
            logger: logger
        )
        // Revocations made before this start (by this or another instance) apply at once, and
        // the revocation feed's first readers get them in their snapshot.
        let cursor = try await sessions.loadRevocations()
        let accounts = try await AccountManager(
            sessions: sessions,
            hasher: BcryptPasswordHasher(cost: configuration.bcryptCost, threadPool: bcryptPool),
            rateLimiter: LoginRateLimiter(
                perUsername: configuration.loginLimitPerUsername,
                perAddress: configuration.loginLimitPerAddress,
                store: stores.loginLimits
            ),
            registrationLimiter: RegistrationRateLimiter(limit: configuration.registrationLimit)
        )

        let trustedProxies = try TrustedProxies(configuration.trustedProxies)
        // HEAD is answered wherever GET is, without a body.
        let router = Router(context: JWTAuthContext.self, options: .autoGenerateHeadEndpoints)
        // First, so that it sees the status the later middleware answered with.
        router.add(middleware: RequestMetricsMiddleware(factory: factory))
        router.add(middleware: RequestLogMiddleware(logger: logger, trustedProxies: trustedProxies))
        if !configuration.allowedOrigins.isEmpty {
            // Pages on the other origins need CORS to use the cookie and read the answers.
            router.add(middleware: CrossOriginMiddleware(allowedOrigins: configuration.allowedOrigins))
        }
        router.add(middleware: ErrorMiddleware(logger: logger))
        JWTAuthRoutes<JWTAuthContext>(
            sessions: sessions,
            accounts: accounts,
            jwksMaxAge: configuration.jwksMaxAge,
            allowsRegistration: configuration.allowsRegistration,
            refreshCookie: configuration.refreshCookie,
            trustedProxies: trustedProxies,
            clients: ClientManager(sessions: sessions, clients: stores.clients),
            revocationHeartbeat: configuration.revocationHeartbeat,
            auditStore: stores.audit
        ).addRoutes(to: router)
        if configuration.servesWebPage {
            WebPage().addRoutes(to: router)
        }

        let sync = RevocationSyncService(
            sessions: sessions,
            pollInterval: configuration.revocationPollInterval,
            initialCursor: cursor,
            logger: logger
        )
        let shutdown = ShutdownService {
            await stores.close()
            try? await bcryptPool.shutdownGracefully()
        }
        // The audit writer stops after the HTTP server and every later service, and before
        // `shutdown` closes the stores: what the last requests recorded is written.
        var services: [any Service] = [shutdown, AuditService(recorder: audit), sync, keys.service]
        if let lifecycle = keys.lifecycle {
            // Compromised keys reach remote verifiers through the feed (they are not in the
            // session store's log): at start, and whenever an instance revokes one.
            let feed = sessions.feed
            services.append(lifecycle.revokedKeysForwarder { feed.updateRevokedKeys($0) })
        }
        if let listen = configuration.metricsListen, let address = PrometheusExporter.parseListenAddress(listen) {
            services.append(
                PrometheusExporter.listener(host: address.host, port: address.port, logger: logger, onListening: onMetricsListening)
            )
        }
        let host = configuration.host
        let headerReadTimeout = configuration.headerReadTimeout
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [HeaderReadTimeoutHandler(timeout: headerReadTimeout)],
                    idleTimeout: TimeAmount(configuration.idleTimeout)
                )
            ),
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.port), serverName: "jwtauth"),
            services: services,
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
    } catch {
        await stores.close()
        try? await bcryptPool.shutdownGracefully()
        throw error
    }
}
