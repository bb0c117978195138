import HTTPTypes

/// Cookie mode: the refresh token travels in an `HttpOnly` cookie instead of the response body,
/// so page scripts never see it.
///
/// The cookie is `HttpOnly; Secure; SameSite=Strict; Path=/auth`: no script can read it, it is
/// sent only over HTTPS (plain HTTP is allowed only for a development server on loopback), never
/// with a cross-site request, and only to the token routes. Over HTTPS its name carries the
/// `__Secure-` prefix, so a sibling subdomain or a plain-HTTP page cannot plant one of the same
/// name. Because the browser attaches it on its own, every request that uses it is also checked
/// against cross-site request forgery: the `Origin` must be one of ``allowedOrigins`` and the
/// request must carry the custom header ``csrfHeader`` — which a cross-origin form cannot send,
/// and a cross-origin script only after a CORS preflight that ``CrossOriginMiddleware`` grants
/// to the allowed origins alone. `SameSite=Strict` alone would be one defence; the two checks
/// make it three.
public struct RefreshCookie: Sendable, Hashable {
    /// The cookie's base name; ``cookieName`` is the name actually used.
    public var name: String
    /// Cookie mode for every login that does not ask for `"mode": "json"`, not only those that
    /// ask for `"mode": "cookie"`.
    public var appliesToEveryLogin: Bool
    /// Origins (`scheme://host[:port]`, normalized by ``origin(of:)``) allowed to use the cookie.
    public private(set) var allowedOrigins: Set<String>
    /// Plain-HTTP development on loopback: no `Secure` attribute, and the request's own origin
    /// (`http://` + a loopback `Host`) is allowed.
    public var isLocalDevelopment: Bool

    /// The header every cookie-authenticated request must carry (any non-empty value).
    public static let csrfHeader = "X-JWTAuth-CSRF"
    /// The path the cookie is scoped to: only the token routes receive it.
    public static let path = "/auth"

    /// Creates cookie-mode settings.
    ///
    /// - Parameters:
    ///   - name: The cookie's base name.
    ///   - appliesToEveryLogin: Whether a login that names no `mode` gets the cookie.
    ///   - allowedOrigins: Origins whose pages may use the cookie, as URLs or origins; they are
    ///     normalized (lowercase scheme and host, no default port, no path) and unparseable
    ///     entries are dropped. Pages of another *site* never get the cookie (`SameSite=Strict`),
    ///     so these are for other origins of the same site, such as `https://app.example.com`
    ///     for a server at `https://auth.example.com`.
    ///   - isLocalDevelopment: Plain HTTP on loopback (see ``isLocalDevelopment``).
    public init(
        name: String = "jwtauth_refresh",
        appliesToEveryLogin: Bool = false,
        allowedOrigins: some Sequence<String> = [],
        isLocalDevelopment: Bool = false
    ) {
        self.name = name
        self.appliesToEveryLogin = appliesToEveryLogin
        self.allowedOrigins = Set(allowedOrigins.compactMap(Self.origin(of:)))
        self.isLocalDevelopment = isLocalDevelopment
    }

    /// The name on the wire: `__Secure-` + ``name`` over HTTPS, ``name`` in local development
    /// (browsers refuse the prefix without `Secure`).
    public var cookieName: String {
        self.isLocalDevelopment ? self.name : "__Secure-" + self.name
    }

    /// The refresh token from the request's `Cookie` header(s), if present.
    ///
    /// - Throws: 400 `invalid_request` when the cookie appears more than once: a second copy
    ///   can only have been planted (by a sibling subdomain, with a more specific path), and
    ///   picking either could sign the user into someone else's session.
    public func token(in request: AuthHTTPRequest) throws -> String? {
        var found: Substring?
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == self.cookieName[...] else { continue }
                guard found == nil else {
                    throw AuthHTTPError.invalidRequest("the \(self.cookieName) cookie appears more than once")
                }
                found = trimmed[trimmed.index(after: equals)...]
            }
        }
        guard let found, !found.isEmpty else { return nil }
        return String(found)
    }

    /// Refuses a cookie-authenticated request that could have been forged cross-site.
    public func validateCSRF(_ request: AuthHTTPRequest) throws {
        guard let csrf = HTTPField.Name(Self.csrfHeader), let value = request.headers[csrf], !value.isEmpty else {
            throw AuthHTTPError(.forbidden, error: "csrf_rejected", description: "cookie requests must carry the \(Self.csrfHeader) header")
        }
        guard let header = request.headers[.origin] else {
            throw AuthHTTPError(.forbidden, error: "csrf_rejected", description: "cookie requests must carry an Origin header")
        }
        if let origin = Self.origin(of: header) {
            if self.allowedOrigins.contains(origin) { return }
            // A development server answers on whatever loopback name the developer typed; a
            // non-loopback Host (DNS rebinding) is not its own origin.
            if self.isLocalDevelopment, let host = request.authority,
                Self.loopbackHosts.contains(Self.hostName(ofAuthority: host[...]).lowercased()),
                origin == Self.origin(of: "http://" + host)
            {
                return
            }
        }
        throw AuthHTTPError(.forbidden, error: "csrf_rejected", description: "this origin may not use the refresh cookie")
    }

    /// `Set-Cookie` value for a refresh token that lives `maxAge` seconds (0 clears the cookie).
    public func setCookieHeader(for token: String, maxAge: Int) -> String {
        var cookie = "\(self.cookieName)=\(token); Path=\(Self.path); Max-Age=\(max(0, maxAge)); HttpOnly; SameSite=Strict"
        if !self.isLocalDevelopment { cookie += "; Secure" }
        return cookie
    }

    /// `Set-Cookie` value that removes the cookie.
    public var clearCookieHeader: String { self.setCookieHeader(for: "", maxAge: 0) }

    package static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "[::1]"]

    /// The origin of a URL as browsers send it in `Origin`: lowercase scheme and host, the port
    /// only when it is not the scheme's default, no user info or path. `nil` for anything that
    /// is not an `http` or `https` URL with a host.
    public static func origin(of url: String) -> String? {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let scheme = url[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var authority = url[url.index(colon, offsetBy: 3)...].prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host = Self.hostName(ofAuthority: authority)
        guard !host.isEmpty else { return nil }
        let rest = authority.dropFirst(host.count)
        var port = ""
        if !rest.isEmpty {
            guard rest.first == ":", let number = Int(rest.dropFirst()), (1...65535).contains(number) else { return nil }
            if number != (scheme == "https" ? 443 : 80) { port = ":\(number)" }
        }
        return "\(scheme)://\(host.lowercased())\(port)"
    }

    /// The host of `host[:port]` or `[v6]:port`, brackets kept.
    package static func hostName(ofAuthority authority: Substring) -> Substring {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") { return authority[...close] }
        return authority.prefix(while: { $0 != ":" })
    }
}
