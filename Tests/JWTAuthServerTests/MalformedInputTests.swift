import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import NIOCore
import Testing

/// Bad input never yields a 5xx. Every POST route is fed a table of malformed
/// bodies under several content types; protected routes get bad Authorization headers.
@Suite("Malformed input")
struct MalformedInputTests {
    /// A POST route and the credentials it is called with, so the body is actually read.
    enum Route: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case register = "/auth/register"
        case login = "/auth/login"
        case refresh = "/auth/refresh"
        case logout = "/auth/logout"
        case logoutAll = "/auth/logout-all"
        case password = "/auth/password"
        case token = "/oauth/token"
        case revoke = "/oauth/revoke"
        case introspect = "/oauth/introspect"
        case adminRevoke = "/admin/users/no-such-user/revoke"
        case adminDisable = "/admin/users/no-such-user/disable"

        var testDescription: String { "POST " + self.rawValue }

        enum Credential { case none, user, admin }

        var credential: Credential {
            switch self {
            case .logoutAll, .password: .user
            case .introspect, .adminRevoke, .adminDisable: .admin
            default: .none
            }
        }

        /// Whether the route reads its body (and so must answer 413 to an oversized one).
        var readsBody: Bool {
            switch self {
            case .logoutAll, .adminRevoke, .adminDisable: false
            default: true
            }
        }
    }

    static let contentTypes: [String?] = [
        "application/json",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8",
        "text/plain",
        "multipart/form-data; boundary=xyz",
        "application/json; charset=utf-16",
        "application/jwt+json",
        nil,
    ]

    static let bodies: [(String, [UInt8])] = {
        func text(_ string: String) -> [UInt8] { Array(string.utf8) }
        return [
            ("empty", []),
            ("whitespace", text(" \r\n\t ")),
            ("open brace", text("{")),
            ("close brace", text("}")),
            ("array", text("[]")),
            ("array of objects", text(#"[{"username":"alice","password":"correct horse battery"}]"#)),
            ("null", text("null")),
            ("true", text("true")),
            ("number", text("0")),
            ("huge exponent", text("-1e999999")),
            ("string", text(#""refresh_token""#)),
            ("empty object", text("{}")),
            ("missing value", text(#"{"a":}"#)),
            ("trailing comma", text(#"{"username":"alice",}"#)),
            (
                "numbers for strings",
                text(#"{"username":1,"password":2,"refresh_token":3,"token":4,"grant_type":5,"client_id":6,"current_password":7,"new_password":8}"#)
            ),
            ("containers for strings", text(#"{"username":{},"password":[],"refresh_token":true,"token":{"a":[1]},"grant_type":false,"client_id":[]}"#)),
            ("nulls", text(#"{"username":null,"password":null,"refresh_token":null,"token":null,"grant_type":null}"#)),
            ("duplicate members", text(#"{"refresh_token":"a","refresh_token":"b","username":"x","username":"y","token":"t","token":"u"}"#)),
            ("big integer", text(#"{"username":123456789012345678901234567890,"refresh_token":1e309}"#)),
            ("deep array", text(String(repeating: "[", count: 100_000))),
            ("deep object", text(String(repeating: #"{"a":"#, count: 5_000) + "1" + String(repeating: "}", count: 5_000))),
            ("invalid UTF-8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]),
            ("bare invalid UTF-8", [0xFF, 0xFE, 0xFD, 0x00, 0x80]),
            ("byte order mark", [0xEF, 0xBB, 0xBF] + text("{}")),
            ("lone surrogates", text(#"{"username":"a\ud800b","password":"x\udc00xxxxxxxx","refresh_token":"\udfff","token":"\ud800"}"#)),
            ("bad escape", text(#"{"username":"\x41"}"#)),
            ("raw control characters", text("{\"username\":\"a\u{01}\u{00}b\",\"password\":\"correct horse battery\"}")),
            (
                "NUL escapes",
                text(#"{"username":"alice\u0000","password":"correct\u0000horse","refresh_token":"a\u0000.b.c","token":"\u0000","client_id":"\u0000"}"#)
            ),
            (
                "long strings",
                text(#"{"username":""# + String(repeating: "u", count: 20_000) + #"","password":""# + String(repeating: "p", count: 20_000) + #""}"#)
            ),
            (
                "long tokens",
                text(#"{"refresh_token":""# + String(repeating: "a.", count: 12_000) + #"","token":""# + String(repeating: "b", count: 30_000) + #""}"#)
            ),
            ("form duplicates", text("grant_type=refresh_token&grant_type=refresh_token&token=a&token=b&refresh_token=x&refresh_token=y")),
            ("form bad escapes", text("grant_type=%zz&refresh_token=%&token=%4")),
            ("form escaped invalid UTF-8", text("grant_type=refresh_token&refresh_token=%ff%fe&token=%c3%28&username=%80")),
            ("form NUL", text("grant_type=refresh_token&refresh_token=%00&token=%00&username=a%00&password=%00%00%00%00%00%00%00%00")),
            ("form without values", text("=&=&&grant_type&refresh_token&token")),
            ("form with only separators", text("&&&&")),
            ("form long value", text("grant_type=refresh_token&refresh_token=" + String(repeating: "a", count: 40_000))),
            ("form token like JWT", text("grant_type=refresh_token&refresh_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.&token=eyJhbGciOiJub25lIn0.e30.")),
            ("JSON token alg none", text(#"{"refresh_token":"eyJhbGciOiJub25lIiwidHlwIjoicnQrand0In0.eyJzdWIiOiJ4In0.","token":"eyJhbGciOiJub25lIn0.e30."}"#)),
            ("form client credentials NUL", text("grant_type=client_credentials&client_id=%00&client_secret=%00&scope=%00")),
            (
                "form client credentials long",
                text(
                    "grant_type=client_credentials&client_id=" + String(repeating: "c", count: 5_000) + "&client_secret=" + String(repeating: "s", count: 5_000)
                        + "&scope=" + String(repeating: "a", count: 5_000)
                )
            ),
            ("form client credentials odd scope", text("grant_type=client_credentials&client_id=c_x&client_secret=y&scope=%22%5C%20%20%FF")),
            ("JSON client credentials", text(#"{"grant_type":"client_credentials","client_id":"c_x","client_secret":"y"}"#)),
            ("1 MiB", Array(repeating: UInt8(ascii: "a"), count: 1 << 20)),
            ("1 MiB of JSON", text(#"{"username":""#) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20) + text(#""}"#)),
        ]
    }()

    @Test("No malformed body on any POST route yields a 5xx", arguments: Route.allCases)
    func malformedBodies(route: Route) async throws {
        try await withServer { api in
            var bearer: String? =
                switch route.credential {
                case .none: nil
                case .user: try await Self.userToken(api)
                case .admin: try await api.loginAdmin().access
                }
            for (name, bytes) in Self.bodies {
                for contentType in Self.contentTypes {
                    var headers: HTTPFields = [:]
                    if let contentType { headers[.contentType] = contentType }
                    let response = try await api.request(.post, route.rawValue, bearer: bearer, headers: headers, body: ByteBuffer(bytes: bytes))
                    let comment = "\(route.rawValue) \(name) as \(contentType ?? "no content type"): \(response.status) \(response.text.prefix(200))"
                    #expect(response.status.code < 500, "\(comment)")
                    if response.status.code >= 400 {
                        #expect(response.errorCode != nil, "error responses are JSON: \(comment)")
                    }
                    if bytes.count > 64 * 1024 && route.readsBody {
                        #expect(response.status == .contentTooLarge, "\(comment)")
                    }
                    if response.status == .noContent, route.credential == .user {
                        // Logout-all (or a password change) ended the session: sign in again.
                        bearer = try await Self.userToken(api)
                    }
                }
            }
            // The server is still healthy afterwards.
            #expect(try await api.get("/health").status == .ok)
        }
    }

    /// Logs in a throwaway user (registered on first use).
    static func userToken(_ api: API) async throws -> String {
        let response = try await api.loginResponse("malformed-user", "correct horse battery")
        if response.status == .ok { return try Tokens(response).access }
        try await api.register("malformed-user")
        return try await api.login("malformed-user").access
    }

    @Test("Hostile Authorization headers on protected routes are a 4xx, never a 5xx")
    func hostileAuthorizationHeaders() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let values = [
                "", " ", "Bearer", "Bearer ", "Bearer  ", "Bearer \t", "bearer", "Bearer a b", "Bearer a.b.c.d",
                "Bearer ...", "Bearer " + String(repeating: "A", count: 100_000), "Bearer %E9%00", "Bearer eyJ.eyJ.eyJ",
                "Bearer " + admin.access + " extra", "Bearer " + admin.access + "=", "Basic", "Basic !!!", "Negotiate abc", "=",
                "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.",
            ]
            let targets: [(HTTPRequest.Method, String)] = [
                (.get, "/api/me"), (.get, "/auth/sessions"), (.delete, "/auth/sessions/x"), (.post, "/auth/logout-all"),
                (.post, "/oauth/introspect"), (.post, "/admin/users/x/revoke"), (.post, "/admin/users/x/disable"),
            ]
            for (method, uri) in targets {
                for value in values {
                    let response = try await api.request(
                        method,
                        uri,
                        headers: [.authorization: value, .contentType: "application/x-www-form-urlencoded"],
                        body: ByteBuffer(string: "token=x")
                    )
                    let comment = "\(method) \(uri) with \(value.prefix(30)): \(response.status) \(response.text.prefix(200))"
                    #expect((400..<500).contains(response.status.code), "\(comment)")
                    #expect(response.status != .forbidden, "a bad token is a 401, never a 403: \(comment)")
                }
            }
            #expect(try await api.me(admin.access).status == .ok)
        }
    }

    @Test("Hostile Authorization headers on the client-credentials grant are a 4xx, never a 5xx")
    func hostileClientAuthentication() async throws {
        try await withServer { api in
            func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
            let values = [
                "", "Basic", "Basic ", "Basic  ", "basic !!!", "Basic =", "Basic ====", "Basic " + String(repeating: "QUFB", count: 50_000),
                basic(":"), basic("\u{0}:\u{0}"), basic("%00:%00"), basic("c_x"), basic("c_x:"), basic(":y"), basic("%ZZ:y"),
                basic(String(repeating: "c", count: 3_000) + ":y"), "Bearer abc", "Digest x", "Basic dXNlcjpwYXNz extra",
            ]
            for value in values {
                let response = try await api.request(
                    .post,
                    "/oauth/token",
                    headers: [.authorization: value, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "grant_type=client_credentials")
                )
                let comment = "\(value.prefix(40)): \(response.status) \(response.text.prefix(200))"
                #expect((400..<500).contains(response.status.code), "\(comment)")
                #expect(response.errorCode != nil, "\(comment)")
            }
        }
    }

    @Test("Hostile path parameters are a 4xx, never a 5xx")
    func hostilePathParameters() async throws {
        try await withServer { api in
            let admin = try await api.loginAdmin()
            let ids = ["%00", "%FF", "..", "%2e%2e%2f", "a%2Fb", String(repeating: "x", count: 10_000), "'%20OR%201=1--", "%E2%80%AE", "%C3%28"]
            for id in ids {
                for (method, uri) in [
                    (HTTPRequest.Method.delete, "/auth/sessions/\(id)"), (.post, "/admin/users/\(id)/revoke"), (.post, "/admin/users/\(id)/disable"),
                ] {
                    let response = try await api.request(method, uri, bearer: admin.access)
                    #expect((400..<500).contains(response.status.code), "\(method) \(uri.prefix(60)): \(response.status) \(response.text.prefix(200))")
                }
            }
        }
    }
}
