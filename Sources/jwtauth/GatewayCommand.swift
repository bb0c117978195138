import ArgumentParser
import Foundation
import JWTAuth
import JWTAuthGateway
import Logging

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run a verifying reverse proxy in front of an HTTP service.",
        discussion: """
            Verifies each request's access token against the issuer's JWKS and revocation feed, \
            then forwards it to --upstream with X-Auth-Subject, X-Auth-Session, X-Auth-Client, \
            X-Auth-Roles and X-Auth-Scope (incoming X-Auth-* headers are removed). The feed needs \
            a client with the scope revocations:read (jwtauth clients add NAME --scope \
            revocations:read). Every flag can also be set as JWTAUTH_<FLAG>; the client secret \
            comes from --client-secret-file, JWTAUTH_CLIENT_SECRET_FILE or JWTAUTH_CLIENT_SECRET.
            """
    )

    @Option(help: "The token server's issuer URL. [JWTAUTH_ISSUER]")
    var issuer: String?

    @Option(help: "The service to forward to, e.g. http://127.0.0.1:9000. [JWTAUTH_UPSTREAM]")
    var upstream: String?

    @Option(help: "Address to listen on. [JWTAUTH_HOST, default 127.0.0.1]")
    var host: String?

    @Option(help: "Port (0 picks a free one). [JWTAUTH_PORT, default 8081]")
    var port: Int?

    @Option(help: "The aud access tokens must carry. [JWTAUTH_AUDIENCE, default: the issuer]")
    var audience: String?

    @Option(name: .customLong("client-id"), help: "Client id for the revocation feed. [JWTAUTH_CLIENT_ID]")
    var clientID: String?

    @Option(name: .customLong("client-secret-file"), help: "File holding the client secret. [JWTAUTH_CLIENT_SECRET_FILE]")
    var clientSecretFile: String?

    @Option(
        name: .customLong("revocation-stale-limit"),
        help: "Refuse tokens (503) when the feed has been silent this long; 0 never. [JWTAUTH_REVOCATION_STALE_LIMIT, default 60s]"
    )
    var revocationStaleLimit: DurationArgument?

    @Option(
        name: .customLong("jwks-refetch-cooldown"),
        help: "At most one JWKS fetch per this period for unknown kids. [JWTAUTH_JWKS_REFETCH_COOLDOWN, default 30s]"
    )
    var jwksRefetchCooldown: DurationArgument?

    @Option(name: .customLong("upstream-timeout"), help: "502/504 when the upstream cannot be reached or is this slow. [JWTAUTH_UPSTREAM_TIMEOUT, default 30s]")
    var upstreamTimeout: DurationArgument?

    @Option(name: .customLong("require-role"), help: "A role every token must carry (403 otherwise). [JWTAUTH_REQUIRE_ROLE]")
    var requireRole: String?

    @Flag(
        name: .customLong("allow-client-tokens"),
        help: "Also forward machine clients' tokens (client credentials; no X-Auth-Session). [JWTAUTH_ALLOW_CLIENT_TOKENS=1]"
    )
    var allowClientTokens = false

    @Option(name: .customLong("public"), help: "A path prefix forwarded without a token; repeatable. [JWTAUTH_PUBLIC, comma-separated]")
    var publicPrefixes: [String] = []

    @Option(
        name: .customLong("metrics-listen"),
        help: "HOST:PORT of a separate listener for GET /metrics (Prometheus); off by default. [JWTAUTH_METRICS_LISTEN]"
    )
    var metricsListen: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error. [JWTAUTH_LOG_LEVEL, default info]")
    var logLevel: String?

    func makeConfiguration(_ environment: Environment = Environment()) throws -> GatewayConfiguration {
        guard let issuer = self.issuer ?? environment["ISSUER"] else { throw ValidationError("--issuer is required") }
        guard let upstream = self.upstream ?? environment["UPSTREAM"] else { throw ValidationError("--upstream is required") }
        var configuration = GatewayConfiguration(issuer: issuer, upstream: upstream)
        if let host = self.host ?? environment["HOST"] { configuration.host = host }
        if let port = try self.port ?? environment.parse("PORT", Int.init) { configuration.port = port }
        configuration.audience = self.audience ?? environment["AUDIENCE"]
        configuration.clientID = self.clientID ?? environment["CLIENT_ID"]
        if let path = self.clientSecretFile ?? environment["CLIENT_SECRET_FILE"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the client secret file \(path)")
            }
            configuration.clientSecret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            configuration.clientSecret = environment["CLIENT_SECRET"]
        }
        func duration(_ flag: DurationArgument?, _ name: String) throws -> Duration? {
            if let flag { return flag.duration }
            return try environment.parse(name, DurationArgument.init(argument:))?.duration
        }
        if let value = try duration(self.revocationStaleLimit, "REVOCATION_STALE_LIMIT") { configuration.revocationStaleLimit = value }
        if let value = try duration(self.jwksRefetchCooldown, "JWKS_REFETCH_COOLDOWN") { configuration.jwksRefetchCooldown = value }
        if let value = try duration(self.upstreamTimeout, "UPSTREAM_TIMEOUT") { configuration.upstreamTimeout = value }
        configuration.requiredRole = self.requireRole ?? environment["REQUIRE_ROLE"]
        configuration.allowsClientTokens = self.allowClientTokens || ["1", "true", "yes"].contains(environment["ALLOW_CLIENT_TOKENS"]?.lowercased() ?? "")
        configuration.metricsListen = self.metricsListen ?? environment["METRICS_LISTEN"]
        configuration.publicPrefixes =
            self.publicPrefixes.isEmpty
            ? (environment["PUBLIC"]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? [])
            : self.publicPrefixes
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.message)
        }
        return configuration
    }

    func run() async throws {
        let configuration = try self.makeConfiguration()
        let level = try ServeCommand.logLevel(self.logLevel, Environment())
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "jwtauth.gateway")
        let traces = try TraceExport.service(serviceName: "jwtauth-gateway", logger: logger)
        try await runGateway(configuration: configuration, logger: logger, services: traces.map { [$0] } ?? [])
    }
}
