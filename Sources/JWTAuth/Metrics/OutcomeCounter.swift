public import CoreMetrics

/// A counter with a `result` label: `ok`, or the ``JWTAuthError/Code`` of the failure.
///
/// One series per possible value is made up front, from closed sets only (the error codes),
/// so counting is a dictionary look-up and an increment, a label never carries request data,
/// and every series exists at 0 from the start (`rate()` and alerts need no first failure).
public struct OutcomeCounter: Sendable {
    /// The `result` of a success.
    public static let ok = "ok"
    /// The `result` of a failure that is not a ``JWTAuthError`` (a bug, a driver error).
    public static let otherError = "error"

    private let success: Counter
    private let failures: [JWTAuthError.Code: Counter]
    private let other: Counter

    /// Makes the series of the metric `name`.
    ///
    /// - Parameters:
    ///   - name: The metric's name, e.g. `jwtauth_logins_total`.
    ///   - factory: Where the series live.
    public init(name: String, factory: any MetricsFactory) {
        self.success = Counter(label: name, dimensions: [("result", Self.ok)], factory: factory)
        var failures: [JWTAuthError.Code: Counter] = [:]
        for code in JWTAuthError.Code.all {
            failures[code] = Counter(label: name, dimensions: [("result", Self.label(of: code))], factory: factory)
        }
        self.failures = failures
        self.other = Counter(label: name, dimensions: [("result", Self.otherError)], factory: factory)
    }

    /// The `result` value of an error code. A reused refresh token is `reuse_detected`, the
    /// name operators know it by (the session is revoked, not just the request refused).
    public static func label(of code: JWTAuthError.Code) -> String {
        code == .refreshReused ? "reuse_detected" : code.description
    }

    /// Counts one success.
    public func succeeded() {
        self.success.increment()
    }

    /// Counts one failure under its error code.
    public func failed(_ error: any Error) {
        if let error = error as? JWTAuthError, let counter = self.failures[error.code] {
            counter.increment()
        } else {
            self.other.increment()
        }
    }
}
