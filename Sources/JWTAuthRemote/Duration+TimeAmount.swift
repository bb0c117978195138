package import NIOCore

extension Duration {
    /// The same span as a NIO `TimeAmount` (nanoseconds, saturating).
    package var timeAmount: TimeAmount {
        let (seconds, attoseconds) = self.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .nanoseconds(seconds < 0 ? .min : .max) }
        return .nanoseconds(whole &+ attoseconds / 1_000_000_000)
    }

}
