extension Duration {
    /// The duration in seconds, for gauges and histograms.
    var metricSeconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
