/// A JWT NumericDate (RFC 7519 §2): seconds since 1970-01-01T00:00:00Z, ignoring leap seconds.
///
/// Fractional values are allowed when reading; the dates JWTAuth issues are whole seconds.
public struct NumericDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var secondsSinceEpoch: Double

    /// Creates a date from (possibly fractional) seconds since the Unix epoch.
    public init(secondsSinceEpoch: Double) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    /// Creates a date from whole seconds since the Unix epoch.
    public init(_ seconds: Int64) {
        self.secondsSinceEpoch = Double(seconds)
    }

    /// The date rounded down to a whole second, as issued in tokens; saturating at the ends
    /// of `Int64` (a token may carry `exp: 9223372036854775807`, which a `Double` holds as 2^63).
    public var wholeSeconds: Int64 {
        let down = self.secondsSinceEpoch.rounded(.down)
        if let exact = Int64(exactly: down) { return exact }
        if down.isNaN { return 0 }
        return down > 0 ? .max : .min
    }

    /// True when `lhs` is earlier than `rhs`.
    public static func < (lhs: NumericDate, rhs: NumericDate) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    /// The date `duration` later.
    public static func + (date: NumericDate, duration: Duration) -> NumericDate {
        NumericDate(secondsSinceEpoch: date.secondsSinceEpoch + duration.seconds)
    }

    /// The date `duration` earlier.
    public static func - (date: NumericDate, duration: Duration) -> NumericDate {
        NumericDate(secondsSinceEpoch: date.secondsSinceEpoch - duration.seconds)
    }

    /// The time from `other` to this date.
    public func duration(since other: NumericDate) -> Duration {
        .seconds(self.secondsSinceEpoch - other.secondsSinceEpoch)
    }

    /// The seconds since the epoch, written without a fraction when the value is whole.
    public var description: String {
        self.secondsSinceEpoch == self.secondsSinceEpoch.rounded() && abs(self.secondsSinceEpoch) < 9e15
            ? String(Int64(self.secondsSinceEpoch))
            : String(self.secondsSinceEpoch)
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    package var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
