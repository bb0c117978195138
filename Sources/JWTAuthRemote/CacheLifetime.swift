import NIOHTTP1

/// How long a fetched document may be used before it is fetched again, from its
/// `Cache-Control` and `Age` fields (RFC 9111 §5.2.2, §4.2.3), clamped to bounds.
///
/// We are a private cache, so `max-age` counts and `s-maxage` does not. `no-store` and
/// `no-cache` ask for a fresh copy each time, which for keys means the shortest lifetime
/// allowed: the lower bound keeps a misconfigured issuer from being fetched on every request.
struct CacheLifetime: Sendable, Equatable {
    /// The lifetime, within the bounds.
    var duration: Duration

    /// Reads `headers`; `defaultLifetime` when they say nothing usable.
    init(headers: HTTPHeaders, defaultLifetime: Duration, minimum: Duration, maximum: Duration) {
        var maxAge: Int64? = nil
        var noCache = false
        for field in headers[canonicalForm: "cache-control"] {
            let directive = field.trimmingASCIISpaces().lowercased()
            if directive == "no-store" || directive == "no-cache" || directive.hasPrefix("no-cache=") {
                noCache = true
            } else if directive.hasPrefix("max-age=") {
                var value = Substring(directive.dropFirst("max-age=".count))
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
                // A malformed max-age leaves the document without one (the default applies);
                // a huge one saturates and is clamped below.
                if !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }) {
                    maxAge = Int64(value) ?? .max
                }
            }
        }
        var lifetime: Duration
        if noCache {
            lifetime = minimum
        } else if let maxAge {
            // What an intermediate cache already spent of the lifetime (`Age`) is not ours.
            let age = headers.first("age").flatMap { Int64($0) } ?? 0
            lifetime = .seconds(max(0, maxAge - max(0, min(age, maxAge))))
        } else {
            lifetime = defaultLifetime
        }
        lifetime = min(max(lifetime, minimum), maximum)
        self.duration = lifetime
    }
}
