public import CoreMetrics
public import Hummingbird
public import Logging
import NIOCore
public import Prometheus

/// The Prometheus side of `jwtauth serve` and `jwtauth gateway`: one collector registry per
/// process behind swift-metrics, exposed at `GET /metrics` on a listener of its own.
///
/// The metrics port is separate from the public one so that it can stay on a private
/// interface: the numbers say how many logins fail and how old the signing key is.
public enum PrometheusExporter {
    /// The process's registry. The first use bootstraps `MetricsSystem` with a factory writing
    /// into it; `MetricsSystem.bootstrap` may run only once per process, and a `static let` is
    /// initialised exactly once even when two applications start concurrently.
    public static var registry: PrometheusCollectorRegistry { bootstrapped.registry }

    /// The factory that writes into ``registry``; metrics made with it appear at `/metrics`.
    public static var factory: any MetricsFactory { bootstrapped }

    private static let bootstrapped: PrometheusMetricsFactory = {
        let factory = Self.makeFactory(registry: PrometheusCollectorRegistry())
        MetricsSystem.bootstrap(factory)
        return factory
    }()

    /// A factory with buckets fit for this server: store calls and requests take from a tenth
    /// of a millisecond (memory, cache hits) to seconds (bcrypt, a slow database).
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        return factory
    }

    /// The media type of the text exposition format this listener answers with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A server that answers `GET /metrics` with `registry` in the text format 0.0.4, and 404
    /// for anything else. Run it as one more service beside the main application.
    ///
    /// - Parameters:
    ///   - host: Address to listen on, e.g. `127.0.0.1`.
    ///   - port: Port to listen on (0 picks a free one).
    ///   - registry: What to expose; ``registry`` by default.
    ///   - logger: Where the listener logs.
    ///   - onListening: Called with the bound port once it accepts connections.
    public static func listener(
        host: String,
        port: Int,
        registry: PrometheusCollectorRegistry = PrometheusExporter.registry,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var buffer = [UInt8]()
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "jwtauth-metrics"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// Splits `HOST:PORT` (`[::1]:9090` for IPv6) as given to `--metrics-listen`.
    ///
    /// - Returns: The host and port, or nil when `value` is not of that shape.
    public static func parseListenAddress(_ value: String) -> (host: String, port: Int)? {
        guard let colon = value.lastIndex(of: ":") else { return nil }
        var host = String(value[..<colon])
        guard let port = Int(value[value.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
