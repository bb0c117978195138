import HTTPTypes
import Instrumentation

/// Reads trace context (`traceparent`, `tracestate`, `baggage`) from request headers, so a
/// request's span continues the trace of the service that called it.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        guard let name = HTTPField.Name(key) else { return nil }
        return carrier[name]
    }
}
