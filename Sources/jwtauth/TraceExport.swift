import Foundation
import Logging
import OTel
import ServiceLifecycle

/// Trace export over OTLP/HTTP (protobuf), on when the standard OpenTelemetry environment asks
/// for it: `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. Everything
/// else (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, batch delays,
/// headers, TLS files) is read by swift-otel as the OpenTelemetry specification defines.
///
/// Only traces are exported: metrics are served to Prometheus (`--metrics-listen`) and logs go
/// to standard error. Span attributes never hold a token, a password or a user's name (the
/// route pattern, the store and its operation only).
enum TraceExport {
    /// The exporter's service, or nil when no endpoint is configured (then spans go nowhere and
    /// cost next to nothing).
    static func service(
        serviceName: String,
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (any Service)? {
        let endpointNames = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        guard endpointNames.contains(where: { environment[$0].map { !$0.isEmpty } ?? false }) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // Its own problems (an unreachable collector) go to our log on standard error; standard
        // output carries only the "listening" line scripts wait for.
        configuration.diagnosticLogger = .custom(logger)
        let service = try OTel.bootstrap(configuration: configuration, environment: environment)
        logger.info("exporting traces over OTLP/HTTP")
        return service
    }
}
