import CoreMetrics
import JWTAuthPrometheus

extension GatewayConfiguration {
    /// Where the gateway's metrics go: the process's Prometheus registry when
    /// ``metricsListen`` is set (bootstrapped as the metrics backend on first use), else
    /// whatever backend the process bootstrapped (none: no-ops).
    var metricsFactory: any MetricsFactory {
        self.metricsListen == nil ? MetricsSystem.factory : PrometheusExporter.factory
    }
}
