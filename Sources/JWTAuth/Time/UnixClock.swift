import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time as a ``NumericDate``. Injected everywhere time matters, so tests move time
/// instead of sleeping.
public protocol UnixClock: Sendable {
    /// The current time.
    var now: NumericDate { get }
}

/// The system's real-time clock.
public struct SystemClock: UnixClock {
    /// Creates the system clock.
    public init() {}

    /// The current time, read from `CLOCK_REALTIME`.
    public var now: NumericDate {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return NumericDate(secondsSinceEpoch: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9)
    }
}

/// A clock that only moves when told to: for tests, and for tools that verify "as of" a date.
public final class ManualClock: UnixClock {
    private let current: Mutex<NumericDate>

    /// Creates a clock stopped at `now`.
    public init(_ now: NumericDate) {
        self.current = Mutex(now)
    }

    /// The time the clock was last set or advanced to.
    public var now: NumericDate {
        self.current.withLock { $0 }
    }

    /// Moves the clock forward (or back, for a negative duration).
    public func advance(by duration: Duration) {
        self.current.withLock { $0 = $0 + duration }
    }

    /// Sets the clock.
    public func set(_ date: NumericDate) {
        self.current.withLock { $0 = date }
    }
}
