import Logging
import ServiceLifecycle

/// Runs `services` in a service group while `body` runs, then shuts the group down gracefully
/// and waits for every service to return.
func withRunning<Value: Sendable>(
    _ services: [any Service],
    _ body: () async throws -> Value
) async throws -> Value {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [],
            cancellationSignals: [],
            logger: .quiet
        )
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<Value, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

extension Logger {
    /// A logger that drops everything.
    static var quiet: Logger { Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }) }
}
