public import Hummingbird
import HTTPTypes

/// Cookie mode: the refresh token travels in an `HttpOnly` cookie instead of the response body,
/// so page scripts never see it (DESIGN step 4).
///
/// The cookie is `HttpOnly; Secure; SameSite=Strict; Path=/auth`: no script can read it, it is
/// sent only over HTTPS (plain HTTP is allowed only for a development server on loopback), never
/// with a cross-site request, and only to the token routes. Because the browser attaches it on
/// its own, every request that uses it is also checked against cross-site request forgery:
/// the `Origin` must be one of ``allowedOrigins`` and the request must carry the custom header
/// ``csrfHeader`` — which a cross-origin form or a no-CORS fetch cannot set. `SameSite=Strict`
/// alone would be one defence; the two checks make it three.
public struct RefreshCookie: Sendable, Hashable {
    /// The cookie's name.
    public var name: String
    /// Cookie mode for every login, not only those that ask with `"mode": "cookie"`.
    public var isDefault: Bool
    /// Origins (`scheme://host[:port]`) allowed to use the cookie.
    public var allowedOrigins: Set<String>
    /// Plain-HTTP development on loopback: no `Secure` attribute, and the request's own origin
    /// (`http://` + `Host`) is allowed.
    public var isLocalDevelopment: Bool

    /// The header every cookie-authenticated request must carry (any non-empty value).
    public static let csrfHeader = "X-JWTAuth-CSRF"
    /// The path the cookie is scoped to: only the token routes receive it.
    public static let path = "/auth"

    public init(name: String = "jwtauth_refresh", isDefault: Bool = false, allowedOrigins: Set<String> = [], isLocalDevelopment: Bool = false) {
        self.name = name
        self.isDefault = isDefault
        self.allowedOrigins = allowedOrigins
        self.isLocalDevelopment = isLocalDevelopment
    }

    /// The refresh token from the request's `Cookie` header(s), if present.
    func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == self.name[...] {
                    let value = trimmed[trimmed.index(after: equals)...]
                    return value.isEmpty ? nil : String(value)
                }
            }
        }
        return nil
    }

    /// Refuses a cookie-authenticated request that could have been forged cross-site.
    func checkRequestOrigin(_ request: Request) throws {
        guard let csrf = HTTPField.Name(Self.csrfHeader), let value = request.headers[csrf], !value.isEmpty else {
            throw AuthHTTPError(.forbidden, error: "csrf_rejected", description: "cookie requests must carry the \(Self.csrfHeader) header")
        }
        guard let origin = request.headers[.origin] else {
            throw AuthHTTPError(.forbidden, error: "csrf_rejected", description: "cookie requests must carry an Origin header")
        }
        if self.allowedOrigins.contains(origin) { return }
        if self.isLocalDevelopment, let host = request.head.authority, origin == "http://" + host {
            return
        }
        throw AuthHTTPError(.forbidden, error: "csrf_rejected", description: "this origin may not use the refresh cookie")
    }

    /// `Set-Cookie` for a refresh token that lives `maxAge` seconds (0 clears the cookie).
    func setCookie(_ token: String, maxAge: Int) -> String {
        var cookie = "\(self.name)=\(token); Path=\(Self.path); Max-Age=\(max(0, maxAge)); HttpOnly; SameSite=Strict"
        if !self.isLocalDevelopment { cookie += "; Secure" }
        return cookie
    }

    /// `Set-Cookie` that removes the cookie.
    var clearCookie: String { self.setCookie("", maxAge: 0) }
}
