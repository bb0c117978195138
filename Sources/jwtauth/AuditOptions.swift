import ArgumentParser
import JWTAuthServer

/// The `serve` flags of the audit log.
struct AuditOptions: ParsableArguments {
    @Option(name: .customLong("audit-retention"), help: "How long audit events are kept; 0: for ever. [JWTAUTH_AUDIT_RETENTION, default 90d]")
    var retention: DurationArgument?

    @Option(name: .customLong("audit-log"), help: "stdout: also write each audit event as one JSON line to standard output. [JWTAUTH_AUDIT_LOG]")
    var output: String?

    func apply(to configuration: inout ServerConfiguration, environment: Environment) throws {
        if let retention = try self.retention ?? environment.parse("AUDIT_RETENTION", DurationArgument.init(argument:)) {
            configuration.auditRetention = retention.duration == .zero ? nil : retention.duration
        }
        switch self.output ?? environment["AUDIT_LOG"] {
        case nil: configuration.auditLogToStandardOutput = false
        case "stdout": configuration.auditLogToStandardOutput = true
        default: throw ValidationError("--audit-log takes stdout (the database always keeps the audit log)")
        }
    }
}
