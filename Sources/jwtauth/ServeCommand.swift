import ArgumentParser
import Foundation
import JWTAuth
import JWTAuthServer
import Logging

/// Flags shared by `serve`, `users add` and `clients`: where the data lives. Each also reads
/// `JWTAUTH_<FLAG>` from the environment when not given.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (SQLite file and keys). [JWTAUTH_DATA_DIR, default ./data]")
    var dataDirectory: String?

    @Option(name: .long, help: "User store: sqlite:PATH or postgres://… [JWTAUTH_DATABASE]")
    var database: String?

    @Option(
        name: .long,
        help: "Session store: redis://…, rediss://…?ca=FILE (TLS), redis+cluster://… or rediss+cluster://… (default: the user store). [JWTAUTH_SESSIONS]"
    )
    var sessions: String?

    @Option(name: .customLong("bcrypt-cost"), help: "bcrypt work factor, 10…16. [JWTAUTH_BCRYPT_COST, default 11]")
    var bcryptCost: UInt8?

    func apply(to configuration: inout ServerConfiguration, environment: Environment) throws {
        if let value = self.dataDirectory ?? environment["DATA_DIR"] { configuration.dataDirectory = value }
        configuration.database = self.database ?? environment["DATABASE"]
        configuration.sessions = self.sessions ?? environment["SESSIONS"]
        if let cost = try self.bcryptCost ?? environment.parse("BCRYPT_COST", UInt8.init) {
            guard (10...16).contains(cost) else { throw ValidationError("--bcrypt-cost must be 10…16") }
            configuration.bcryptCost = cost
        }
    }
}

/// Flags shared by `serve` and `keys list|rotate|revoke`: where the signing keys come from.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("keys-dir"), help: "Sign with the key files in this directory instead of the database's keys. [JWTAUTH_KEYS_DIR]")
    var keysDirectory: String?

    @Option(
        name: .customLong("key-encryption-key-file"),
        help:
            "The 32-byte key sealing the database's signing keys; the same for every instance; required for any database but the default SQLite file. [JWTAUTH_KEY_ENCRYPTION_KEY_FILE, default DATA/keys/key-encryption.key, created by serve for the default database only]"
    )
    var keyEncryptionKeyFile: String?

    func apply(to configuration: inout ServerConfiguration, environment: Environment) {
        configuration.keysDirectory = self.keysDirectory ?? environment["KEYS_DIR"]
        configuration.keyEncryptionKeyFile = self.keyEncryptionKeyFile ?? environment["KEY_ENCRYPTION_KEY_FILE"]
    }
}

/// `JWTAUTH_*` environment variables.
struct Environment {
    let values: [String: String]

    init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    subscript(name: String) -> String? {
        self.values["JWTAUTH_" + name].flatMap { $0.isEmpty ? nil : $0 }
    }

    func parse<T>(_ name: String, _ make: (String) -> T?) throws -> T? {
        guard let text = self[name] else { return nil }
        guard let value = make(text) else { throw ValidationError("JWTAUTH_\(name) has an invalid value") }
        return value
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the token server.",
        discussion: """
            With no flags: SQLite under ./data, with ES256 signing keys in it (sealed under \
            ./data/keys/key-encryption.key, rotated every 30 days), listening on 127.0.0.1:8080. Any other \
            --database needs --key-encryption-key-file, the same file on every instance. Every flag can also be set as JWTAUTH_<FLAG> (JWTAUTH_PORT, \
            JWTAUTH_ACCESS_TTL, …); flags win. Durations: 90, 90s, 5m, 6h, 30d.
            """
    )

    @Option(name: .long, help: "Address to listen on. [JWTAUTH_HOST, default 127.0.0.1]")
    var host: String?

    @Option(name: .long, help: "Port (0 picks a free one). [JWTAUTH_PORT, default 8080]")
    var port: Int?

    @OptionGroup var store: StoreOptions

    @OptionGroup var keys: KeyOptions

    @Option(
        name: .customLong("key-rotation"),
        help: "How long a signing key signs before the next takes over; 0: only by hand. [JWTAUTH_KEY_ROTATION, default 30d]"
    )
    var keyRotation: DurationArgument?

    @Option(name: .customLong("key-publish-ahead"), help: "How long a new key is in the JWKS before it signs. [JWTAUTH_KEY_PUBLISH_AHEAD, default 1h]")
    var keyPublishAhead: DurationArgument?

    @Option(name: .long, help: "Issuer (iss) URL. [JWTAUTH_ISSUER, default http://HOST:PORT]")
    var issuer: String?

    @Option(name: .long, help: "Audience (aud) of access tokens. [JWTAUTH_AUDIENCE, default: the issuer]")
    var audience: String?

    @Option(name: .long, help: "Algorithm of a new signing key. [JWTAUTH_ALG, default ES256]")
    var alg: String?

    @Option(name: .customLong("access-ttl"), help: "Access-token lifetime. [JWTAUTH_ACCESS_TTL, default 5m]")
    var accessTTL: DurationArgument?

    @Option(name: .customLong("refresh-ttl"), help: "Refresh-token idle lifetime. [JWTAUTH_REFRESH_TTL, default 6h]")
    var refreshTTL: DurationArgument?

    @Option(name: .customLong("session-lifetime"), help: "Absolute session lifetime. [JWTAUTH_SESSION_LIFETIME, default 30d]")
    var sessionLifetime: DurationArgument?

    @Option(name: .customLong("reuse-interval"), help: "Grace for a rotated refresh token. [JWTAUTH_REUSE_INTERVAL, default 0s]")
    var reuseInterval: DurationArgument?

    @Option(name: .long, help: "Clock skew tolerance, at most 300s. [JWTAUTH_LEEWAY, default 60s]")
    var leeway: DurationArgument?

    @Option(name: .customLong("max-sessions"), help: "Sessions per user before the oldest is evicted. [JWTAUTH_MAX_SESSIONS, default 20]")
    var maxSessions: Int?

    @Option(name: .customLong("registration"), help: "open or closed. [JWTAUTH_REGISTRATION, default open]")
    var registration: String?

    @Flag(name: .customLong("refresh-cookie"), help: "Cookie mode for every login: the refresh token goes into an HttpOnly cookie. [JWTAUTH_REFRESH_COOKIE=1]")
    var refreshCookie = false

    @Option(
        name: .customLong("allowed-origins"),
        help: "Origins that may use the refresh cookie, comma-separated (the issuer's is always allowed). [JWTAUTH_ALLOWED_ORIGINS]"
    )
    var allowedOrigins: String?

    @Option(
        name: .customLong("trusted-proxies"),
        help:
            "Reverse proxies whose X-Forwarded-For names the client for login limits: addresses or networks, comma-separated (e.g. 10.0.0.0/8). [JWTAUTH_TRUSTED_PROXIES]"
    )
    var trustedProxies: String?

    @Option(
        name: .customLong("revocation-heartbeat"),
        help: "Longest silence on GET /oauth/revocations before a heartbeat. [JWTAUTH_REVOCATION_HEARTBEAT, default 15s]"
    )
    var revocationHeartbeat: DurationArgument?

    @Option(
        name: .customLong("metrics-listen"),
        help: "HOST:PORT of a separate listener for GET /metrics (Prometheus); off by default. [JWTAUTH_METRICS_LISTEN]"
    )
    var metricsListen: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error. [JWTAUTH_LOG_LEVEL, default info]")
    var logLevel: String?

    @OptionGroup var audit: AuditOptions

    @OptionGroup var clientLimits: ClientLimitOptions

    private static func validateTrustedProxies(_ entries: [String]) throws {
        let result = Result { () throws(JWTAuthError) in try TrustedProxies(entries) }
        if case .failure(let error) = result {
            throw ValidationError("--trusted-proxies: \(error.message)")
        }
    }

    func makeConfiguration(_ environment: Environment = Environment()) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let host = self.host ?? environment["HOST"] { configuration.host = host }
        if let port = try self.port ?? environment.parse("PORT", Int.init) {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
            configuration.port = port
        }
        try self.store.apply(to: &configuration, environment: environment)
        self.keys.apply(to: &configuration, environment: environment)
        configuration.issuer = self.issuer ?? environment["ISSUER"]
        configuration.audience = self.audience ?? environment["AUDIENCE"]
        if let name = self.alg ?? environment["ALG"] {
            guard let algorithm = JWSAlgorithm(name: name) else { throw ValidationError("unknown algorithm \(name)") }
            configuration.algorithm = algorithm
        }
        func duration(_ flag: DurationArgument?, _ name: String) throws -> Duration? {
            if let flag { return flag.duration }
            return try environment.parse(name, DurationArgument.init(argument:))?.duration
        }
        if let value = try duration(self.accessTTL, "ACCESS_TTL") {
            guard value >= .seconds(1) else { throw ValidationError("--access-ttl must be at least 1s") }
            configuration.session.accessTokenLifetime = value
        }
        if let value = try duration(self.refreshTTL, "REFRESH_TTL") {
            guard value >= .seconds(1) else { throw ValidationError("--refresh-ttl must be at least 1s") }
            configuration.session.refreshTokenLifetime = value
        }
        if let value = try duration(self.sessionLifetime, "SESSION_LIFETIME") {
            guard value >= .seconds(1) else { throw ValidationError("--session-lifetime must be at least 1s") }
            configuration.session.sessionLifetime = value
        }
        if let value = try duration(self.reuseInterval, "REUSE_INTERVAL") { configuration.session.reuseInterval = value }
        if let value = try duration(self.leeway, "LEEWAY") {
            guard value <= .seconds(300) else { throw ValidationError("--leeway may be at most 300s") }
            configuration.session.leeway = value
        }
        if let value = try duration(self.keyRotation, "KEY_ROTATION") { configuration.keyRotationInterval = value }
        if let value = try duration(self.keyPublishAhead, "KEY_PUBLISH_AHEAD") { configuration.keyPublishAhead = value }
        if let value = try duration(self.revocationHeartbeat, "REVOCATION_HEARTBEAT") {
            // Readers fail closed after a silence of their stale limit (60 s by default): a
            // heartbeat slower than that would cut them off, and 0 would be a busy loop.
            guard value >= .milliseconds(100), value <= .seconds(60) else {
                throw ValidationError("--revocation-heartbeat must be 100ms…60s")
            }
            configuration.revocationHeartbeat = value
        }
        if let value = try self.maxSessions ?? environment.parse("MAX_SESSIONS", Int.init) {
            guard value >= 1 else { throw ValidationError("--max-sessions must be at least 1") }
            configuration.session.maximumSessionsPerUser = value
        }
        configuration.refreshCookieByDefault = self.refreshCookie || ["1", "true", "yes"].contains(environment["REFRESH_COOKIE"]?.lowercased() ?? "")
        if let origins = self.allowedOrigins ?? environment["ALLOWED_ORIGINS"] {
            configuration.allowedOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in configuration.allowedOrigins {
                // An origin is exactly what a browser sends: a path, a trailing slash or a typo
                // would never match and silently lock that page out.
                guard ServerConfiguration.isOrigin(origin) else {
                    throw ValidationError("--allowed-origins takes origins like https://app.example.com (no path)")
                }
            }
        }
        if let proxies = self.trustedProxies ?? environment["TRUSTED_PROXIES"] {
            configuration.trustedProxies = proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            try Self.validateTrustedProxies(configuration.trustedProxies)
        }
        switch self.registration ?? environment["REGISTRATION"] {
        case nil, "open": configuration.allowsRegistration = true
        case "closed": configuration.allowsRegistration = false
        default: throw ValidationError("--registration is open or closed")
        }
        try self.audit.apply(to: &configuration, environment: environment)
        try self.clientLimits.apply(to: &configuration, environment: environment)
        configuration.metricsListen = self.metricsListen ?? environment["METRICS_LISTEN"]
        return configuration
    }

    func logLevel(_ environment: Environment = Environment()) throws -> Logger.Level {
        try Self.logLevel(self.logLevel, environment)
    }

    /// The level of `--log-level` (or `JWTAUTH_LOG_LEVEL`); info by default.
    static func logLevel(_ flag: String?, _ environment: Environment) throws -> Logger.Level {
        guard let text = flag ?? environment["LOG_LEVEL"] else { return .info }
        guard let level = Logger.Level(rawValue: text) else { throw ValidationError("unknown log level \(text)") }
        return level
    }

    func run() async throws {
        let configuration = try self.makeConfiguration()
        let level = try self.logLevel()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "jwtauth")
        try await CLIFailure.reporting {
            let traces = try TraceExport.service(serviceName: "jwtauth", logger: logger)
            try await runServer(configuration: configuration, logger: logger, services: traces.map { [$0] } ?? [])
        }
    }
}
