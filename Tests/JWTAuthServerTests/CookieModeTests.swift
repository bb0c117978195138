import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import NIOCore
import Testing

/// Cookie mode: the refresh token in an HttpOnly cookie, CSRF-checked (Origin + custom header).
@Suite("Cookie mode")
struct CookieModeTests {
    static let origin = ServerFixture.issuer
    static var browserHeaders: HTTPFields {
        var headers: HTTPFields = [.origin: Self.origin]
        headers[HTTPField.Name("X-JWTAuth-CSRF") ?? .authorization] = "1"
        return headers
    }

    /// The cookie's name over HTTPS (the fixture's issuer); plain-HTTP loopback drops the prefix.
    static let name = "__Secure-jwtauth_refresh"

    /// The refresh cookie's value and attributes from a response.
    static func cookie(_ response: TestResponse, name: String = name) -> (value: String, attributes: [String])? {
        guard let header = response.headers[.setCookie] else { return nil }
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, first.hasPrefix(name + "=") else { return nil }
        return (String(first.dropFirst(name.count + 1)), Array(parts.dropFirst()))
    }

    static func cookieHeaders(_ value: String, csrf: Bool = true, origin: String? = origin) -> HTTPFields {
        var headers: HTTPFields = [.cookie: "theme=dark; \(Self.name)=\(value)"]
        if let origin { headers[.origin] = origin }
        if csrf { headers[HTTPField.Name("X-JWTAuth-CSRF") ?? .authorization] = "1" }
        return headers
    }

    static func loginWithCookie(_ api: API, _ username: String) async throws -> (access: String, cookie: String) {
        _ = try await api.register(username)
        let response = try await api.post(
            "/auth/login",
            json: #"{"username":"\#(username)","password":"correct horse battery","mode":"cookie"}"#,
            headers: Self.browserHeaders
        )
        #expect(response.status == .ok)
        let body = try #require(try JSONValue(parsingBytes: Array(buffer: response.body)).objectValue)
        let cookie = try #require(Self.cookie(response))
        return (try #require(body["access_token"]?.stringValue), cookie.value)
    }

    @Test("A cookie-mode login keeps the refresh token out of the body and sets an HttpOnly, Secure, SameSite=Strict cookie on /auth")
    func login() async throws {
        try await withServer { api in
            _ = try await api.register("ada")
            let response = try await api.post(
                "/auth/login",
                json: #"{"username":"ada","password":"correct horse battery","mode":"cookie"}"#,
                headers: Self.browserHeaders
            )
            #expect(response.status == .ok)
            let body = try #require(try JSONValue(parsingBytes: Array(buffer: response.body)).objectValue)
            #expect(body["refresh_token"] == nil)
            #expect(body["access_token"]?.stringValue != nil && body["token_type"] == "Bearer")
            #expect(response.headers[.cacheControl] == "no-store")
            let cookie = try #require(Self.cookie(response))
            #expect(cookie.value.split(separator: ".").count == 3)
            #expect(Set(cookie.attributes) == ["Path=/auth", "Max-Age=21600", "HttpOnly", "SameSite=Strict", "Secure"])
            // Without mode, the body carries the refresh token as before.
            let plain = try await api.post("/auth/login", fields: ["username": "ada", "password": "correct horse battery"])
            #expect(plain.headers[.setCookie] == nil)
            #expect(try JSONValue(parsingBytes: Array(buffer: plain.body)).objectValue?["refresh_token"] != nil)
        }
    }

    @Test("The cookie refreshes and rotates; replaying an old cookie is reuse, revokes the session and clears the cookie")
    func rotation() async throws {
        try await withServer { api in
            let (access, first) = try await Self.loginWithCookie(api, "bea")
            let refreshed = try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(first))
            #expect(refreshed.status == .ok)
            #expect(try JSONValue(parsingBytes: Array(buffer: refreshed.body)).objectValue?["refresh_token"] == nil)
            let second = try #require(Self.cookie(refreshed)).value
            #expect(second != first)

            let replay = try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(first))
            #expect(replay.status == .badRequest)
            #expect(Self.cookie(replay)?.attributes.contains("Max-Age=0") == true)
            #expect(try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(second)).status == .badRequest)
            #expect(try await api.me(access).status == .unauthorized)
        }
    }

    @Test("Cookie requests without the CSRF header, without an Origin, or from another origin get 403")
    func csrf() async throws {
        try await withServer { api in
            let (_, cookie) = try await Self.loginWithCookie(api, "cai")
            for headers in [
                Self.cookieHeaders(cookie, csrf: false),
                Self.cookieHeaders(cookie, origin: nil),
                Self.cookieHeaders(cookie, origin: "https://evil.test"),
                Self.cookieHeaders(cookie, origin: "https://auth.example.test.evil.test"),
                Self.cookieHeaders(cookie, origin: "http://auth.example.test"),
            ] {
                for route in ["/auth/refresh", "/auth/logout"] {
                    let response = try await api.post(route, json: "{}", headers: headers)
                    #expect(response.status == .forbidden, "\(route) \(headers)")
                    expectError(response, .forbidden, "csrf_rejected")
                }
            }
            // A cookie login from another origin is refused too (no login CSRF).
            var evil = Self.browserHeaders
            evil[.origin] = "https://evil.test"
            let login = try await api.post("/auth/login", json: #"{"username":"cai","password":"correct horse battery","mode":"cookie"}"#, headers: evil)
            #expect(login.status == .forbidden)
            // The cookie survived all of that.
            #expect(try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(cookie)).status == .ok)
        }
    }

    @Test("Logging out with the cookie revokes the session and clears the cookie")
    func logout() async throws {
        try await withServer { api in
            let (access, cookie) = try await Self.loginWithCookie(api, "dov")
            let response = try await api.post("/auth/logout", json: "{}", headers: Self.cookieHeaders(cookie))
            #expect(response.status == .noContent)
            #expect(Self.cookie(response)?.attributes.contains("Max-Age=0") == true)
            #expect(try await api.me(access).status == .unauthorized)
            #expect(try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(cookie)).status == .badRequest)
        }
    }

    @Test("--refresh-cookie makes cookie mode the default; a client may still ask for JSON")
    func cookieByDefault() async throws {
        try await withServer(configure: { $0.refreshCookieByDefault = true }) { api in
            _ = try await api.register("eli")
            let cookie = try await api.post("/auth/login", json: #"{"username":"eli","password":"correct horse battery"}"#, headers: Self.browserHeaders)
            #expect(Self.cookie(cookie) != nil)
            let json = try await api.post("/auth/login", json: #"{"username":"eli","password":"correct horse battery","mode":"json"}"#)
            #expect(json.headers[.setCookie] == nil)
            let bad = try await api.post("/auth/login", json: #"{"username":"eli","password":"correct horse battery","mode":"both"}"#)
            #expect(bad.status == .badRequest)
        }
    }

    @Test("A development server on plain-HTTP loopback omits Secure and accepts its own origin")
    func localDevelopment() async throws {
        try await withServer(configure: { $0.issuer = "http://127.0.0.1:8080" }) { api in
            _ = try await api.register("fay")
            // The test client sends `Host: localhost`; a browser's Origin matches its Host.
            var headers: HTTPFields = [.origin: "http://localhost"]
            headers[HTTPField.Name("X-JWTAuth-CSRF") ?? .authorization] = "1"
            let response = try await api.post("/auth/login", json: #"{"username":"fay","password":"correct horse battery","mode":"cookie"}"#, headers: headers)
            #expect(response.status == .ok)
            #expect(Self.cookie(response, name: "jwtauth_refresh")?.attributes.contains("Secure") == false)
            headers[.origin] = "http://localhost:1"
            #expect(
                try await api.post("/auth/login", json: #"{"username":"fay","password":"correct horse battery","mode":"cookie"}"#, headers: headers).status
                    == .forbidden
            )
            headers[.origin] = "https://localhost"
            #expect(
                try await api.post("/auth/login", json: #"{"username":"fay","password":"correct horse battery","mode":"cookie"}"#, headers: headers).status
                    == .forbidden
            )
        }
    }

    @Test("The page is served at / under a strict Content-Security-Policy")
    func webPage() async throws {
        try await withServer { api in
            for (path, type) in [("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css")] {
                let response = try await api.get(path)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType]?.hasPrefix(type) == true)
                let policy = try #require(response.headers[.contentSecurityPolicy])
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
            }
        }
    }

    @Test("A refresh cookie sent twice (one planted by a sibling subdomain) is refused, not guessed")
    func duplicateCookie() async throws {
        try await withServer { api in
            let (access, cookie) = try await Self.loginWithCookie(api, "gus")
            var headers = Self.cookieHeaders(cookie)
            headers[.cookie] = "\(Self.name)=planted.by.sibling; theme=dark; \(Self.name)=\(cookie)"
            for route in ["/auth/refresh", "/auth/logout"] {
                let response = try await api.post(route, json: "{}", headers: headers)
                expectError(response, .badRequest, "invalid_request")
                #expect(response.headers[.setCookie] == nil)
            }
            // Nothing was lost: the real cookie still works, the session is alive.
            #expect(try await api.me(access).status == .ok)
            #expect(try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(cookie)).status == .ok)
        }
    }

    @Test("A refresh token in the body wins over the cookie; /oauth/token never reads the cookie")
    func bodyBeatsCookie() async throws {
        try await withServer { api in
            let (_, cookie) = try await Self.loginWithCookie(api, "hal")
            let plain = try await api.login("hal")
            let body = try await api.post("/auth/refresh", json: #"{"refresh_token":"\#(plain.refresh)"}"#, headers: Self.cookieHeaders(cookie))
            #expect(body.status == .ok)
            #expect(body.object["refresh_token"]?.stringValue != nil)
            #expect(body.headers[.setCookie] == nil)

            var form = Self.cookieHeaders(cookie)
            form[.contentType] = "application/x-www-form-urlencoded"
            let oauth = try await api.request(.post, "/oauth/token", headers: form, body: ByteBuffer(string: "grant_type=refresh_token"))
            expectError(oauth, .badRequest, "invalid_request")
            // The cookie was not used up by either request.
            #expect(try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(cookie)).status == .ok)
        }
    }

    @Test("--allowed-origins: CORS with credentials for those origins only, errors included; origins are normalized")
    func allowedOrigins() async throws {
        try await withServer(configure: { $0.allowedOrigins = ["HTTPS://App.Example.test:443"] }) { api in
            let app = "https://app.example.test"
            var preflight: HTTPFields = [.origin: app, .accessControlRequestMethod: "POST"]
            preflight[.accessControlRequestHeaders] = "content-type, x-jwtauth-csrf"
            let granted = try await api.request(.options, "/auth/refresh", headers: preflight)
            #expect(granted.status == .noContent)
            #expect(granted.headers[.accessControlAllowOrigin] == app)
            #expect(granted.headers[.accessControlAllowCredentials] == "true")
            #expect(granted.headers[.accessControlAllowHeaders]?.contains("X-JWTAuth-CSRF") == true)

            preflight[.origin] = "https://evil.test"
            let refused = try await api.request(.options, "/auth/refresh", headers: preflight)
            #expect(refused.headers[.accessControlAllowOrigin] == nil)

            let (_, cookie) = try await Self.loginWithCookie(api, "ida")
            let refreshed = try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(cookie, origin: app))
            #expect(refreshed.status == .ok)
            #expect(refreshed.headers[.accessControlAllowOrigin] == app)
            // An error answer carries the headers too, so the page can read why.
            let noHeader = try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(cookie, csrf: false, origin: app))
            expectError(noHeader, .forbidden, "csrf_rejected")
            #expect(noHeader.headers[.accessControlAllowOrigin] == app)
            // Another origin gets neither CORS nor the cookie.
            let evil = try await api.post("/auth/refresh", json: "{}", headers: Self.cookieHeaders(cookie, origin: "https://evil.test"))
            expectError(evil, .forbidden, "csrf_rejected")
            #expect(evil.headers[.accessControlAllowOrigin] == nil)

            // The public, cacheable JWKS varies by Origin with and without one, so a shared cache
            // never hands the copy without CORS headers to the allowed page.
            let plain = try await api.get("/.well-known/jwks.json")
            let fromApp = try await api.get("/.well-known/jwks.json", headers: [.origin: app])
            #expect(plain.headers[values: .vary].contains("Origin"))
            #expect(fromApp.headers[values: .vary].contains("Origin") && fromApp.headers[.accessControlAllowOrigin] == app)
        }
    }
}
