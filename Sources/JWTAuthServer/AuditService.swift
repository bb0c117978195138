import JWTAuth
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an ``AuditRecorder``'s background writes and pruning. On graceful shutdown it stops
/// and writes what is still queued; placed before the HTTP server in the service list, it
/// stops after the server has drained, so the events of the last requests are written too,
/// and before the stores close.
struct AuditService: Service {
    let recorder: AuditRecorder

    func run() async throws {
        let recorder = self.recorder
        await cancelWhenGracefulShutdown { await recorder.run() }
    }

    /// The server's recorder for `configuration`: retention from `--audit-retention`, each
    /// event also on standard output with `--audit-log stdout`.
    static func recorder(_ configuration: ServerConfiguration, store: any AuditStore, clock: any UnixClock, logger: Logger) -> AuditRecorder {
        var settings = AuditRecorder.Configuration()
        settings.retention = configuration.auditRetention
        return AuditRecorder(
            store: store,
            configuration: settings,
            output: configuration.auditLogToStandardOutput ? Self.printJSONLine : nil,
            clock: clock,
            logger: logger
        )
    }

    /// Writes the event as one JSON line to standard output.
    @Sendable static func printJSONLine(_ event: AuditEvent) {
        print(event.jsonValue().jsonString)
        fflush(nil)
    }
}
