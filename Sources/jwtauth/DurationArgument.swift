import ArgumentParser

/// A duration on the command line: a whole number with an optional unit — `ms`, `s`, `m`, `h`
/// or `d` (`90` is 90 seconds, `5m`, `6h`, `30d`).
struct DurationArgument: ExpressibleByArgument, Sendable {
    var duration: Duration

    init(_ duration: Duration) {
        self.duration = duration
    }

    init?(argument: String) {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        var number = Substring(argument)
        var millisecondsPerUnit: Int64 = 1000
        for (suffix, scale) in units where argument.hasSuffix(suffix) {
            // "ms" must win over "s".
            if suffix == "s", argument.hasSuffix("ms") { continue }
            number = argument.dropLast(suffix.count)
            millisecondsPerUnit = scale
            break
        }
        guard let value = Int64(number), value >= 0 else { return nil }
        let (milliseconds, overflow) = value.multipliedReportingOverflow(by: millisecondsPerUnit)
        guard !overflow else { return nil }
        self.duration = .milliseconds(milliseconds)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
