import ArgumentParser
import JWTAuth
import JWTAuthServer

/// The `serve` flags that bound what one client can take: how long it may hold a connection
/// without using it, and how many accounts it may try to create.
struct ClientLimitOptions: ParsableArguments {
    @Option(name: .customLong("header-timeout"), help: "Time a new connection has to send its first request's headers. [JWTAUTH_HEADER_TIMEOUT, default 10s]")
    var headerTimeout: DurationArgument?

    @Option(name: .customLong("idle-timeout"), help: "Time a connection may stay idle between requests. [JWTAUTH_IDLE_TIMEOUT, default 60s]")
    var idleTimeout: DurationArgument?

    @Option(name: .customLong("register-limit"), help: "Registrations allowed per client address, as COUNT/DURATION. [JWTAUTH_REGISTER_LIMIT, default 10/1h]")
    var registerLimit: String?

    func apply(to configuration: inout ServerConfiguration, environment: Environment) throws {
        if let value = try self.headerTimeout ?? environment.parse("HEADER_TIMEOUT", DurationArgument.init(argument:)) {
            guard value.duration >= .milliseconds(100) else { throw ValidationError("--header-timeout must be at least 100ms") }
            configuration.headerReadTimeout = value.duration
        }
        if let value = try self.idleTimeout ?? environment.parse("IDLE_TIMEOUT", DurationArgument.init(argument:)) {
            guard value.duration >= .milliseconds(100) else { throw ValidationError("--idle-timeout must be at least 100ms") }
            configuration.idleTimeout = value.duration
        }
        if let text = self.registerLimit ?? environment["REGISTER_LIMIT"] {
            configuration.registrationLimit = try Self.limit(text, flag: "--register-limit")
        }
    }

    /// `COUNT/DURATION`, such as `10/1h`.
    static func limit(_ text: String, flag: String) throws -> LoginRateLimiter.Limit {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0]), count >= 1, let window = DurationArgument(argument: String(parts[1])),
            window.duration > .zero
        else {
            throw ValidationError("\(flag) takes COUNT/DURATION with a count of at least 1, such as 10/1h")
        }
        return LoginRateLimiter.Limit(attempts: count, window: window.duration)
    }
}
