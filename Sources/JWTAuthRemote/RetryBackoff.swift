/// Exponential backoff with jitter, for retries after failures: the delay doubles from
/// `initial` up to `maximum`, and each delay is drawn from its upper half, so that many
/// services that lost the issuer at the same moment do not come back in step.
struct RetryBackoff: Sendable {
    var initial: Duration
    var maximum: Duration

    /// The delay before retry number `attempt` (1 for the first retry).
    func delay(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let full = min(self.initial * (1 << exponent), self.maximum)
        return full * Double.random(in: 0.5...1.0)
    }
}
