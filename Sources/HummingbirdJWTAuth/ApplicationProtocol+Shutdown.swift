public import Hummingbird
import Logging
public import ServiceLifecycle
import UnixSignals

extension ApplicationProtocol {
    /// Runs the application until SIGTERM or SIGINT, then shuts it down gracefully: in-flight
    /// requests finish, services stop. Responses that would never finish on their own — an
    /// open event stream, a proxied download — are cut off after `limit`, so a shutdown always
    /// ends.
    ///
    /// - Parameters:
    ///   - limit: How long graceful shutdown may take before the rest is cancelled.
    ///   - services: Services that outlive the application: they start first and stop after it
    ///     has drained (a trace exporter that must still send the last requests' spans).
    public func runUntilTerminated(drainingFor limit: Duration = .seconds(30), outlivedBy services: [any Service] = []) async throws {
        var configuration = ServiceGroupConfiguration(
            // A group stops its services in reverse order.
            services: services.map { .init(service: $0) } + [.init(service: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: self.logger
        )
        configuration.maximumGracefulShutdownDuration = limit
        try await ServiceGroup(configuration: configuration).run()
    }
}
