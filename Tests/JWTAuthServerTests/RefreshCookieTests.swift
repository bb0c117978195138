import HTTPTypes
import JWTAuthHTTP
import JWTAuthServer
import Testing

/// The parts of cookie mode that a test client cannot reach through the server: origins as
/// browsers write them, and a development server's `Host` check.
@Suite("Refresh cookie")
struct RefreshCookieTests {
    static func request(authority: String, origin: String?) -> AuthHTTPRequest {
        var fields: HTTPFields = [:]
        if let origin { fields[.origin] = origin }
        fields[HTTPField.Name(RefreshCookie.csrfHeader) ?? .authorization] = "1"
        return AuthHTTPRequest(method: .post, authority: authority, headers: fields)
    }

    @Test(
        "Origins are normalized the way browsers send them; anything else is not an origin",
        arguments: [
            ("https://app.example.com", "https://app.example.com"),
            ("HTTPS://App.Example.COM:443", "https://app.example.com"),
            ("http://app.example.com:80/", "http://app.example.com"),
            ("https://app.example.com:8443/path?q#f", "https://app.example.com:8443"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("https://user@app.example.com", "https://app.example.com"),
        ]
    )
    func normalization(input: String, expected: String) {
        #expect(RefreshCookie.origin(of: input) == expected)
    }

    @Test(
        "Not origins",
        arguments: [
            "", "app.example.com", "ftp://app.example.com", "https://", "https://:443", "https://a.test:0", "https://a.test:65536", "https://a.test:x", "null",
        ]
    )
    func notOrigins(input: String) {
        #expect(RefreshCookie.origin(of: input) == nil)
    }

    @Test("A development server accepts its own loopback origin, never a rebound foreign host")
    func developmentHost() throws {
        let cookie = RefreshCookie(isLocalDevelopment: true)
        try cookie.validateCSRF(Self.request(authority: "127.0.0.1:8080", origin: "http://127.0.0.1:8080"))
        try cookie.validateCSRF(Self.request(authority: "LOCALHOST:8080", origin: "http://localhost:8080"))
        try cookie.validateCSRF(Self.request(authority: "[::1]:8080", origin: "http://[::1]:8080"))
        // DNS rebinding: evil.test resolves to 127.0.0.1, so Host and Origin agree — and are refused.
        #expect(throws: AuthHTTPError.self) { try cookie.validateCSRF(Self.request(authority: "evil.test:8080", origin: "http://evil.test:8080")) }
        #expect(throws: AuthHTTPError.self) { try cookie.validateCSRF(Self.request(authority: "127.0.0.1:8080", origin: "http://127.0.0.1:9090")) }
        #expect(throws: AuthHTTPError.self) { try cookie.validateCSRF(Self.request(authority: "127.0.0.1:8080", origin: nil)) }
        // Over HTTPS the request's own Host counts for nothing; only the allowed origins do.
        let production = RefreshCookie(allowedOrigins: ["https://auth.example.com"])
        #expect(throws: AuthHTTPError.self) { try production.validateCSRF(Self.request(authority: "127.0.0.1:8080", origin: "http://127.0.0.1:8080")) }
        try production.validateCSRF(Self.request(authority: "auth.example.com", origin: "https://auth.example.com"))
    }

    @Test("The cookie is __Secure- prefixed with Secure, and plain only on a development server")
    func names() {
        #expect(RefreshCookie().cookieName == "__Secure-jwtauth_refresh")
        #expect(
            RefreshCookie().setCookieHeader(for: "t", maxAge: 60) == "__Secure-jwtauth_refresh=t; Path=/auth; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        )
        #expect(
            RefreshCookie(isLocalDevelopment: true).setCookieHeader(for: "t", maxAge: -5)
                == "jwtauth_refresh=t; Path=/auth; Max-Age=0; HttpOnly; SameSite=Strict"
        )
    }

    @Test("--allowed-origins takes bare origins: a path, a query or user info would never match")
    func allowedOriginSyntax() {
        for good in ["https://app.example.com", "http://127.0.0.1:5173", "HTTPS://App.Example.com:443"] {
            #expect(ServerConfiguration.isOrigin(good), "\(good)")
        }
        for bad in ["https://app.example.com/", "https://app.example.com/login", "https://a@app.example.com", "app.example.com", "https://app.example.com?x"] {
            #expect(!ServerConfiguration.isOrigin(bad), "\(bad)")
        }
    }
}
