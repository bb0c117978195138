public import CoreMetrics
import HTTPTypes
public import Hummingbird
import Instrumentation
import Synchronization
import Tracing

/// Per-route request metrics and a trace span per request, shared by the token server's
/// ``RequestMetricsMiddleware`` and the gateway's responder:
///
/// - `jwtauth_http_requests_total{method,route,status}`
/// - `jwtauth_http_request_duration_seconds{method,route}` (a histogram; the time until the
///   response head, so that a long event stream does not count as a slow request)
///
/// `route` is a route pattern from a closed set chosen by the caller (`/admin/users/{id}`,
/// `unmatched`): never the request's path, which may hold ids or anything a client sends.
/// `method` is one of the standard methods or `other`. Series are made on the first request
/// of each label set and kept: routes and methods are few and fixed, statuses a handful.
public final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct RouteKey: Hashable {
        var method: String
        var route: String
    }

    private struct Series {
        var requests: [Key: Counter] = [:]
        var durations: [RouteKey: Timer] = [:]
    }

    private let factory: any MetricsFactory
    private let series = Mutex(Series())

    /// Records into `factory`; by default the process's metrics backend.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Answers `request` with `body` inside a server span (continuing the caller's trace from
    /// its `traceparent`), then counts it under `route()`, asked once `body` is done (a router
    /// knows the matched route only then).
    public func measure(
        _ request: Request,
        route: () -> String,
        _ body: () async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let (method, spanName) = Self.labels(of: request.method)
        var traceContext = InstrumentationContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &traceContext, using: HTTPFieldsExtractor())
        // Named after the route once it is known; until then only the method is.
        let span = startSpan(spanName, context: traceContext, ofKind: .server)
        defer { span.end() }
        do {
            let response = try await InstrumentationContext.$current.withValue(span.context) {
                try await body()
            }
            self.finish(span: span, method: method, route: route(), status: response.status.code, start: start)
            return response
        } catch {
            span.recordError(error)
            self.finish(span: span, method: method, route: route(), status: (error as? any HTTPResponseError)?.status.code ?? 500, start: start)
            throw error
        }
    }

    private func finish(span: any Span, method: String, route: String, status: Int, start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        self.record(method: method, route: route, status: status, nanoseconds: seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if span.isRecording {
            span.operationName = "\(method) \(route)"
            span.attributes["http.request.method"] = method
            span.attributes["http.route"] = route
            span.attributes["http.response.status_code"] = status
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
        }
    }

    private func record(method: String, route: String, status: Int, nanoseconds: Int64) {
        let (counter, timer) = self.series.withLock { series -> (Counter, Timer) in
            let key = Key(method: method, route: route, status: status)
            let counter: Counter
            if let existing = series.requests[key] {
                counter = existing
            } else {
                counter = Counter(
                    label: "jwtauth_http_requests_total",
                    dimensions: [("method", method), ("route", route), ("status", String(status))],
                    factory: self.factory
                )
                series.requests[key] = counter
            }
            let routeKey = RouteKey(method: method, route: route)
            let timer: Timer
            if let existing = series.durations[routeKey] {
                timer = existing
            } else {
                timer = Timer(
                    label: "jwtauth_http_request_duration_seconds",
                    dimensions: [("method", method), ("route", route)],
                    factory: self.factory
                )
                series.durations[routeKey] = timer
            }
            return (counter, timer)
        }
        counter.increment()
        timer.recordNanoseconds(nanoseconds)
    }

    /// The `method` label, from a closed set (the standard methods, else `other`: a client may
    /// send any token), and the span's name until the route is known. Literals, so that a
    /// request allocates neither.
    static func labels(of method: HTTPRequest.Method) -> (method: String, spanName: String) {
        switch method {
        case .get: ("GET", "HTTP GET")
        case .head: ("HEAD", "HTTP HEAD")
        case .post: ("POST", "HTTP POST")
        case .put: ("PUT", "HTTP PUT")
        case .delete: ("DELETE", "HTTP DELETE")
        case .patch: ("PATCH", "HTTP PATCH")
        case .options: ("OPTIONS", "HTTP OPTIONS")
        default: ("other", "HTTP other")
        }
    }
}
