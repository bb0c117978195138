import JWTAuth

/// The service behind the gateway: `http(s)://host[:port][/prefix]`.
struct UpstreamURL: Sendable, Hashable {
    /// `scheme://authority`, without a trailing slash.
    let origin: String
    /// A path every forwarded path is put under, without a trailing slash ("" for none).
    let pathPrefix: String

    init(_ text: String) throws(JWTAuthError) {
        let scheme: String
        if text.hasPrefix("http://") {
            scheme = "http://"
        } else if text.hasPrefix("https://") {
            scheme = "https://"
        } else {
            throw JWTAuthError(.invalidInput, "--upstream must be an http:// or https:// URL")
        }
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !authority.isEmpty, !authority.contains("@") else {
            throw JWTAuthError(.invalidInput, "--upstream needs a host (and no user info)")
        }
        var path = rest.dropFirst(authority.count)
        guard !path.contains("?"), !path.contains("#") else {
            throw JWTAuthError(.invalidInput, "--upstream takes no query or fragment")
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        self.origin = scheme + authority
        self.pathPrefix = String(path)
    }

    /// The upstream URL of a request target (`/path?query`).
    func url(for target: Substring) -> String {
        self.origin + self.pathPrefix + target
    }
}
