extension LoginRateLimiter.Limit {
    /// The wait a store answers when this limit refuses an attempt: until the oldest failure
    /// that keeps the limit reached leaves the window, or one second when it is attempts in
    /// progress that fill it (their outcome is due within about a second).
    ///
    /// - Parameter oldestCounted: The `attempts`-th newest failure in the window when at least
    ///   `attempts` failures are in it, else nil.
    package func wait(oldestCounted: NumericDate?, now: NumericDate) -> Duration {
        guard let oldestCounted, self.attempts > 0 else { return .seconds(1) }
        return max((oldestCounted + self.window).duration(since: now), .seconds(1))
    }
}
