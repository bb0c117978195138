public import CoreMetrics
public import Hummingbird

/// Per-route request metrics and a trace span per request (see ``RequestMetrics``), with the
/// matched route's pattern as `route`, or `unmatched`. Add it first, so that it sees the
/// status the error middleware answered with.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics: RequestMetrics

    /// Records into `factory`; by default the process's metrics backend.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.metrics = RequestMetrics(factory: factory)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The router writes the matched route into storage the context shares with this copy;
        // Hummingbird's own name for no match is "NotFound".
        try await self.metrics.measure(request, route: { Self.route(context.endpointPath) }) {
            try await next(request, context)
        }
    }

    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return "unmatched" }
        return endpointPath
    }
}
