public import CoreMetrics
import Tracing

/// The timing of one store's calls: `jwtauth_store_operation_duration_seconds{store,operation}`
/// (a histogram) and `jwtauth_store_errors_total{store,operation}`, plus a trace span per call.
///
/// The wrapping stores (``InstrumentedSessionStore`` and its siblings) use it; every series is
/// made in the initialiser, so a call costs two clock reads, a look-up and a record.
public struct StoreMetrics: Sendable {
    /// The `store` label: `sqlite`, `postgres`, `redis` or `memory`.
    public let store: String
    private let timers: [String: Timer]
    private let errors: [String: Counter]

    /// Makes the series of `operations` of `store` (only those a wrapper calls: a histogram
    /// is many lines in a scrape).
    public init(store: String, operations: [StoreOperation], factory: any MetricsFactory) {
        self.store = store
        var timers: [String: Timer] = [:]
        var errors: [String: Counter] = [:]
        for operation in operations {
            let dimensions = [("store", store), ("operation", operation.rawValue)]
            timers[operation.rawValue] = Timer(label: "jwtauth_store_operation_duration_seconds", dimensions: dimensions, factory: factory)
            errors[operation.rawValue] = Counter(label: "jwtauth_store_errors_total", dimensions: dimensions, factory: factory)
        }
        self.timers = timers
        self.errors = errors
    }

    /// Runs one store call inside a client span, records how long it took, and counts it as
    /// an error when the store failed (`store_unavailable` or an error that is not ours; an
    /// answer such as `username_taken` is the store working).
    public func measure<Result>(
        _ operation: StoreOperation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            let (seconds, attoseconds) = elapsed.components
            self.timers[operation.rawValue]?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        do {
            return try await withSpan(operation.spanName, ofKind: .client) { span in
                if span.isRecording {
                    span.attributes["db.system"] = self.store
                    span.attributes["db.operation"] = operation.rawValue
                }
                return try await body()
            }
        } catch {
            if ((error as? JWTAuthError)?.code ?? .storeUnavailable) == .storeUnavailable {
                self.errors[operation.rawValue]?.increment()
            }
            throw error
        }
    }
}
