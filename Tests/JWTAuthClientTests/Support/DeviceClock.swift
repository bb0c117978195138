import Foundation
import Synchronization

/// The app's idea of the time, moved by hand, so a test can make the client believe its access
/// token is about to expire without waiting for it.
final class DeviceClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.current = Mutex(start)
    }

    var now: Date { self.current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// The closure the client takes.
    var reader: @Sendable () -> Date { { self.now } }
}
