import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import NIOCore
import Testing

/// `POST /oauth/token` with `grant_type=client_credentials` (RFC 6749 §4.4): client
/// authentication, scopes, the token's shape, and where a client's token is accepted.
@Suite("Client credentials")
struct ClientCredentialsTests {
    /// A fixture with one client allowed `revocations:read` and `orders`.
    static func withClient(
        configure: @escaping (inout ServerConfiguration) -> Void = { _ in },
        _ test: @escaping @Sendable (API, MachineClient, ServerFixture) async throws -> Void
    ) async throws {
        try await ServerFixture.with(configure) { fixture in
            try await fixture.addUser(Admin.username, password: Admin.password, roles: ["admin"])
            let client = try await fixture.addClient(scopes: [OAuthScope.revocationsRead, "orders"])
            try await fixture.run { api in try await test(api, client, fixture) }
        }
    }

    @Test("Basic or form authentication gets {access_token, token_type, expires_in, scope}, no refresh token, Cache-Control: no-store")
    func happyPath() async throws {
        try await Self.withClient { api, client, _ in
            let basic = try await api.clientCredentials(client)
            #expect(basic.status == .ok, "\(basic.text)")
            #expect(basic.headers[.cacheControl] == "no-store")
            #expect(Set(basic.object.keys) == ["access_token", "token_type", "expires_in", "scope"])
            #expect(basic.object["token_type"] == "Bearer" && basic.object["expires_in"] == 300)
            #expect(basic.object["scope"] == "revocations:read orders")

            let form = try await api.post(
                "/oauth/token",
                form: [("grant_type", "client_credentials"), ("client_id", client.id), ("client_secret", client.secret), ("scope", "orders")]
            )
            #expect(form.status == .ok, "\(form.text)")
            #expect(form.object["scope"] == "orders")
            // The same client id repeated in the form beside Basic is accepted.
            let both = try await api.clientCredentials(client, form: [("client_id", client.id)])
            #expect(both.status == .ok, "\(both.text)")
        }
    }

    @Test("The token: at+jwt, sub = client_id = the client, the audience, scope, iat/nbf/exp, jti; no sid, no username, no roles")
    func tokenShape() async throws {
        try await Self.withClient(configure: { $0.audience = "https://api.example.test" }) { api, client, _ in
            let token = try await api.clientToken(client, scope: "revocations:read")
            let parts = try #require(JWTParts(token))
            #expect(parts.header["typ"] == "at+jwt")
            let payload = parts.payload
            #expect(payload["sub"]?.stringValue == client.id && payload["client_id"]?.stringValue == client.id)
            #expect(payload["iss"]?.stringValue == ServerFixture.issuer)
            #expect(payload["aud"]?.stringValue == "https://api.example.test")
            #expect(payload["scope"]?.stringValue == "revocations:read")
            let now = ServerFixture.start.wholeSeconds
            #expect(payload["iat"]?.integerValue == now && payload["nbf"]?.integerValue == now && payload["exp"]?.integerValue == now + 300)
            #expect(payload["jti"]?.stringValue?.isEmpty == false)
            #expect(payload["sid"] == nil && payload["preferred_username"] == nil && payload["roles"] == nil)
        }
    }

    @Test("A wrong secret or an unknown client is 401 invalid_client with a Basic challenge, whichever way it authenticated")
    func badCredentials() async throws {
        try await Self.withClient { api, client, _ in
            let attempts: [(String, TestResponse)] = [
                ("Basic, wrong secret", try await api.clientCredentials(MachineClient(id: client.id, secret: client.secret + "x"))),
                ("Basic, unknown client", try await api.clientCredentials(MachineClient(id: "c_unknown", secret: client.secret))),
                (
                    "form, wrong secret",
                    try await api.post("/oauth/token", form: [("grant_type", "client_credentials"), ("client_id", client.id), ("client_secret", "guess")])
                ),
                (
                    "form, unknown client",
                    try await api.post("/oauth/token", form: [("grant_type", "client_credentials"), ("client_id", "c_nope"), ("client_secret", client.secret)])
                ),
                ("form, no secret", try await api.post("/oauth/token", form: [("grant_type", "client_credentials"), ("client_id", client.id)])),
                ("no authentication", try await api.post("/oauth/token", form: [("grant_type", "client_credentials")])),
                ("a NUL in the id", try await api.clientCredentials(MachineClient(id: "c_\u{0}", secret: client.secret))),
            ]
            for (label, response) in attempts {
                expectError(response, .unauthorized, "invalid_client", "\(label)")
                #expect(response.challenge?.hasPrefix("Basic") == true, "\(label): \(response.challenge ?? "no challenge")")
                #expect(response.headers[.cacheControl] == "no-store", "\(label)")
                #expect(!response.text.contains(client.secret), "\(label)")
            }
        }
    }

    @Test("Malformed Basic credentials are 401 invalid_client; Basic and a form secret together are 400 invalid_request")
    func malformedAndDoubleAuthentication() async throws {
        try await Self.withClient { api, client, _ in
            let form = ByteBuffer(string: "grant_type=client_credentials")
            for header in [
                "Basic !!!", "Basic " + Data("no-colon".utf8).base64EncodedString(), "Basic " + Data(":secret".utf8).base64EncodedString(),
                "Basic " + Data("id:%zz".utf8).base64EncodedString(),
            ] {
                let response = try await api.request(
                    .post,
                    "/oauth/token",
                    headers: [.contentType: "application/x-www-form-urlencoded", .authorization: header],
                    body: form
                )
                expectError(response, .unauthorized, "invalid_client", "\(header)")
                #expect(response.challenge?.hasPrefix("Basic") == true)
            }
            expectError(
                try await api.clientCredentials(client, form: [("client_secret", client.secret)]),
                .badRequest,
                "invalid_request",
                "Basic and client_secret"
            )
            expectError(
                try await api.clientCredentials(client, form: [("client_id", "c_other")]),
                .badRequest,
                "invalid_request",
                "Basic and another client_id"
            )
            var twice: HTTPFields = [:]
            twice.append(HTTPField(name: .authorization, value: client.basicAuthorization))
            expectError(try await api.clientCredentials(client, headers: twice), .badRequest, "invalid_request", "two Authorization headers")
            // None of that got in the way of the real thing.
            #expect(try await api.clientCredentials(client).status == .ok)
        }
    }

    @Test("Scopes: more than granted, unknown or malformed is 400 invalid_scope")
    func scopes() async throws {
        try await Self.withClient { api, client, _ in
            for scope in ["admin", "orders admin", "", "orders  revocations:read", "ORDERS", "orders\""] {
                expectError(try await api.clientCredentials(client, scope: scope), .badRequest, "invalid_scope", "\(scope)")
            }
            #expect(try await api.clientCredentials(client, scope: "orders orders").object["scope"] == "orders")
        }
    }

    @Test("grant_type: missing is invalid_request, unknown is unsupported_grant_type, and JSON bodies are refused")
    func grantTypes() async throws {
        try await Self.withClient { api, client, _ in
            let noGrant = try await api.request(
                .post,
                "/oauth/token",
                headers: [.contentType: "application/x-www-form-urlencoded", .authorization: client.basicAuthorization],
                body: ByteBuffer(string: "scope=orders")
            )
            expectError(noGrant, .badRequest, "invalid_request")
            for grant in ["password", "authorization_code", "Client_Credentials"] {
                expectError(
                    try await api.post("/oauth/token", form: [("grant_type", grant), ("client_id", client.id), ("client_secret", client.secret)]),
                    .badRequest,
                    "unsupported_grant_type",
                    "\(grant)"
                )
            }
            let json = try await api.post("/oauth/token", fields: ["grant_type": "client_credentials", "client_id": client.id, "client_secret": client.secret])
            expectError(json, .badRequest, "invalid_request", "JSON body")
        }
    }

    @Test("A client's token is refused at user, admin and API routes (403), and accepted only on the feed, with its scope")
    func whereClientTokensWork() async throws {
        try await Self.withClient { api, client, _ in
            let token = try await api.clientToken(client, scope: "orders")
            for (method, path) in [
                (HTTPRequest.Method.get, "/auth/sessions"), (.post, "/auth/logout-all"), (.post, "/auth/password"), (.delete, "/auth/sessions/x"),
            ] {
                expectError(try await api.request(method, path, bearer: token), .forbidden, "insufficient_scope", "\(method) \(path)")
            }
            expectError(try await api.post("/admin/users/x/revoke", bearer: token), .forbidden, "insufficient_scope", "admin route")
            expectError(try await api.revocationsPage(token), .forbidden, "insufficient_scope", "the feed without revocations:read")

            let reader = try await api.clientToken(client, scope: "revocations:read")
            #expect(try await api.revocationsPage(reader).status == .ok)
            // A feed reader's credentials open nothing else: it names no user.
            expectError(try await api.me(reader), .forbidden, "insufficient_scope", "/api/me with a client's token")
        }
    }

    @Test("The metadata names the grant, the client authentication methods, the scope and the feed")
    func metadata() async throws {
        try await withServer { api in
            let metadata = try await api.get("/.well-known/oauth-authorization-server").object
            #expect(metadata["grant_types_supported"] == ["refresh_token", "client_credentials"])
            #expect(metadata["token_endpoint_auth_methods_supported"] == ["none", "client_secret_basic", "client_secret_post"])
            #expect(metadata["scopes_supported"] == ["revocations:read"])
            #expect(metadata["revocation_feed_endpoint"]?.stringValue == ServerFixture.issuer + "/oauth/revocations")
        }
    }

    @Test("Removing a client refuses its tokens at once on the running server, and readers of the feed see the revocation")
    func removal() async throws {
        try await ServerFixture.with { fixture in
            let removed = try await fixture.addClient("removed")
            let watcher = try await fixture.addClient("watcher")
            try await fixture.run { api in
                let token = try await api.clientToken(removed)
                let watching = try await api.clientToken(watcher)
                let before = try await api.revocationsPage(watching)
                #expect(before.status == .ok)
                let cursor = try #require(before.object["cursor"]?.stringValue)
                // Same second as the token: the removal still covers it.
                try await fixture.removeClient(removed)
                try await eventually("the running server to refuse the removed client's token") {
                    try await api.revocationsPage(token).status == .unauthorized
                }
                expectInvalidToken(try await api.revocationsPage(token))
                expectError(try await api.clientCredentials(removed), .unauthorized, "invalid_client", "no new token either")
                let after = try await api.revocationsPage(watching, after: cursor)
                let events = after.object["events"]?.arrayValue ?? []
                #expect(
                    events.contains { $0.objectValue?["type"] == "user-revoked" && $0.objectValue?["sub"]?.stringValue == removed.id },
                    "\(after.text)"
                )
                #expect(try await api.revocationsPage(watching).status == .ok, "the other client is untouched")
            }
        }
    }
}
