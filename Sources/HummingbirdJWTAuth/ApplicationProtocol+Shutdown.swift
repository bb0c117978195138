public import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

extension ApplicationProtocol {
    /// Runs the application until SIGTERM or SIGINT, then shuts it down gracefully: in-flight
    /// requests finish, services stop. Responses that would never finish on their own — an
    /// open event stream, a proxied download — are cut off after `limit`, so a shutdown always
    /// ends.
    ///
    /// - Parameter limit: How long graceful shutdown may take before the rest is cancelled.
    public func runUntilTerminated(drainingFor limit: Duration = .seconds(30)) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: self.logger
        )
        configuration.maximumGracefulShutdownDuration = limit
        try await ServiceGroup(configuration: configuration).run()
    }
}
