import ServiceLifecycle

/// Closes stores and thread pools after the HTTP server has drained.
struct ShutdownService: Service {
    let onShutdown: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        // In an unstructured task: when the group is cancelled rather than shut down
        // gracefully, closing must still run to completion (an open SQLite handle would be
        // leaked, and a debug build traps on it).
        let onShutdown = self.onShutdown
        await Task { await onShutdown() }.value
    }
}
