import Testing

@testable import JWTAuth

/// Machine clients: registration, authentication, the tokens of the client-credentials grant,
/// scopes and removal, on the memory store with a manual clock.
@Suite("Client credentials (core)")
struct ClientManagerTests {
    struct Fixture {
        let clock = ManualClock(NumericDate(1_800_000_000))
        let store = MemoryStore()
        let sessions: SessionManager
        let clients: ClientManager

        init() throws {
            self.sessions = try SessionManager(
                configuration: SessionConfiguration(issuer: "https://auth.test", audience: "https://api.test"),
                signingKey: try JWTKey.generate(.es256),
                sessions: self.store,
                users: self.store,
                clock: self.clock
            )
            self.clients = ClientManager(sessions: self.sessions, clients: self.store)
        }
    }

    @Test("Credentials never show their secret: not in description, debugDescription, dump or a mirror")
    func credentialsAreRedacted() throws {
        let secret = "s3cr3t-Zq9xW2vB7nK4mT1pL8rY5uE0oI6aS3dF"
        let credentials = ClientCredentials(clientID: "c_client", secret: secret)
        var dumped = ""
        dump(credentials, to: &dumped)
        let mirrored = Mirror(reflecting: credentials).children.map { "\($0.label ?? ""): \($0.value)" }.joined(separator: ", ")
        for text in ["\(credentials)", String(describing: credentials), String(reflecting: credentials), dumped, mirrored] {
            #expect(!text.contains(secret), "\(text)")
            #expect(text.contains("c_client") && text.contains("<redacted>"), "\(text)")
        }
    }

    @Test("Registration makes a c_ id and a 32-byte base64url secret, and stores only the secret's SHA-256")
    func registration() async throws {
        let fixture = try Fixture()
        let (client, secret) = try await fixture.clients.register(name: "orders-api", scopes: ["revocations:read", "orders", "orders"])
        #expect(client.id.hasPrefix("c_") && client.id.count == 24)
        #expect(Base64URL.decode(secret)?.count == 32)
        #expect(client.scopes == ["revocations:read", "orders"])
        #expect(client.createdAt == fixture.clock.now)
        let stored = try #require(try await fixture.store.client(id: client.id))
        #expect(stored == client)
        #expect(stored.secretHash == ClientManager.hash(secret) && stored.secretHash != secret && !stored.secretHash.contains(secret))
        let (other, otherSecret) = try await fixture.clients.register(name: "orders-api", scopes: ["orders"])
        #expect(other.id != client.id && otherSecret != secret)
        #expect(try await fixture.clients.list().map(\.id).sorted() == [client.id, other.id].sorted())
    }

    @Test(
        "Registration refuses empty or control-character names, no scopes and invalid scope tokens",
        arguments: [
            ("", ["a"]), ("tab\tname", ["a"]), (String(repeating: "n", count: 129), ["a"]),
            ("ok", []), ("ok", ["two words"]), ("ok", ["quote\""]), ("ok", ["back\\slash"]), ("ok", [""]), ("ok", ["é"]),
        ]
    )
    func registrationRefusals(name: String, scopes: [String]) async throws {
        let fixture = try Fixture()
        let error = await #expect(throws: JWTAuthError.self) { try await fixture.clients.register(name: name, scopes: scopes) }
        #expect(error?.code == .invalidInput)
        #expect(try await fixture.clients.list().isEmpty)
    }

    @Test("Authentication: the right secret passes; a wrong secret, an unknown or implausible id all get invalid_client")
    func authentication() async throws {
        let fixture = try Fixture()
        let (client, secret) = try await fixture.clients.register(name: "svc", scopes: ["a"])
        #expect(try await fixture.clients.authenticate(ClientCredentials(clientID: client.id, secret: secret)) == client)
        let refused = [
            ClientCredentials(clientID: client.id, secret: secret + "x"),
            ClientCredentials(clientID: client.id, secret: String(secret.dropLast())),
            ClientCredentials(clientID: client.id, secret: ""),
            ClientCredentials(clientID: "c_unknown", secret: secret),
            ClientCredentials(clientID: client.id + "\u{0}", secret: secret),
            ClientCredentials(clientID: String(repeating: "c", count: 10_000), secret: secret),
            // The stored hash is not a password either.
            ClientCredentials(clientID: client.id, secret: client.secretHash),
        ]
        for credentials in refused {
            let error = await #expect(throws: JWTAuthError.self) { try await fixture.clients.authenticate(credentials) }
            #expect(error?.code == .invalidClient)
        }
    }

    @Test("A client's token: at+jwt for the audience, sub and client_id the client, scope, iat/nbf/exp, jti, and no sid")
    func tokenShape() async throws {
        let fixture = try Fixture()
        let (client, secret) = try await fixture.clients.register(name: "svc", scopes: ["revocations:read", "orders"])
        let response = try await fixture.clients.issueToken(for: ClientCredentials(clientID: client.id, secret: secret), scope: nil)
        #expect(response.tokenType == "Bearer" && response.expiresIn == 300 && response.scope == "revocations:read orders")
        let token = try fixture.sessions.verifyAccessToken(response.accessToken)
        #expect(!token.isUserToken && token.sessionID == nil)
        #expect(token.userID == client.id && token.clientID == client.id)
        #expect(token.scopes == ["revocations:read", "orders"] && token.roles.isEmpty)
        let claims = token.token.claims
        #expect(token.token.header.type == "at+jwt")
        #expect(claims.issuer == "https://auth.test" && claims.audience == ["https://api.test"])
        #expect(claims.issuedAt == fixture.clock.now && claims.notBefore == fixture.clock.now)
        #expect(claims.expiresAt == fixture.clock.now + .seconds(300))
        #expect(claims.tokenID != nil && claims.sessionID == nil)
        #expect(token.token.claim(SessionManager.usernameClaim) == nil)
        // It is not a refresh token.
        #expect(throws: JWTAuthError.self) { try fixture.sessions.verifyRefreshToken(response.accessToken) }
    }

    @Test("Scopes: a subset is granted as asked, none asked means all granted, more or malformed is invalid_scope")
    func scopes() async throws {
        let fixture = try Fixture()
        let (client, secret) = try await fixture.clients.register(name: "svc", scopes: ["a", "b:c", "d"])
        let credentials = ClientCredentials(clientID: client.id, secret: secret)
        #expect(try await fixture.clients.issueToken(for: credentials, scope: "d a").scope == "d a")
        #expect(try await fixture.clients.issueToken(for: credentials, scope: "b:c b:c").scope == "b:c")
        #expect(try await fixture.clients.issueToken(for: credentials, scope: nil).scope == "a b:c d")
        for scope in ["a e", "A", "", " a", "a ", "a  d", "a\td", "a\"", "ä"] {
            let error = await #expect(throws: JWTAuthError.self, "\(scope)") { try await fixture.clients.issueToken(for: credentials, scope: scope) }
            #expect(error?.code == .invalidScope, "\(scope)")
        }
        // Authentication comes first: a stranger learns nothing about scopes.
        let stranger = await #expect(throws: JWTAuthError.self) {
            try await fixture.clients.issueToken(for: ClientCredentials(clientID: client.id, secret: "nope"), scope: "zzz")
        }
        #expect(stranger?.code == .invalidClient)
    }

    @Test("Removing a client revokes its tokens at once, including one issued in the same second; an unknown id is not_found")
    func removal() async throws {
        let fixture = try Fixture()
        let (client, secret) = try await fixture.clients.register(name: "svc", scopes: ["a"])
        let (other, otherSecret) = try await fixture.clients.register(name: "other", scopes: ["a"])
        fixture.clock.advance(by: .milliseconds(100))
        let token = try await fixture.clients.issueToken(for: ClientCredentials(clientID: client.id, secret: secret), scope: nil).accessToken
        let otherToken = try await fixture.clients.issueToken(for: ClientCredentials(clientID: other.id, secret: otherSecret), scope: nil).accessToken
        fixture.clock.advance(by: .milliseconds(100))
        try await fixture.clients.remove(id: client.id)
        expectRejected(.revoked) { try fixture.sessions.verifyAccessToken(token) }
        #expect(try fixture.sessions.verifyAccessToken(otherToken).userID == other.id)
        let reauthenticate = await #expect(throws: JWTAuthError.self) {
            try await fixture.clients.issueToken(for: ClientCredentials(clientID: client.id, secret: secret), scope: nil)
        }
        #expect(reauthenticate?.code == .invalidClient)
        // The revocation is in the store's log, for other instances and the feed.
        #expect(try await fixture.store.revocations(after: nil).events.map(\.subject) == [client.id])
        let missing = await #expect(throws: JWTAuthError.self) { try await fixture.clients.remove(id: client.id) }
        #expect(missing?.code == .notFound)
    }

    @Test("Basic credentials: base64 of the form-encoded id and secret; other schemes are not ours; malformed ones are invalid_client")
    func basicCredentials() throws {
        func basic(_ text: String) -> String { "Basic " + Base64Standard.encode(Array(text.utf8)) }
        #expect(try ClientCredentials(authorization: basic("c_abc:s3cr3t")) == ClientCredentials(clientID: "c_abc", secret: "s3cr3t"))
        #expect(
            try ClientCredentials(authorization: "bAsIc " + Base64Standard.encode(Array("id:a:b".utf8))) == ClientCredentials(clientID: "id", secret: "a:b")
        )
        #expect(try ClientCredentials(authorization: basic("my%20id:p%2Bq+r")) == ClientCredentials(clientID: "my id", secret: "p+q r"))
        #expect(try ClientCredentials(authorization: "Bearer abc") == nil)
        #expect(try ClientCredentials(authorization: "Basic") == nil, "no credentials at all: not a Basic header to read")
        for header in [
            basic("no-colon"), basic(":secret"), basic("id:"), basic("id:%zz"), basic("%ff:x"), "Basic !!!!", "Basic YWJj",
            "Basic " + String(repeating: "A", count: 8192),
        ] {
            let error = #expect(throws: JWTAuthError.self, "\(header.prefix(40))") { try ClientCredentials(authorization: header) }
            #expect(error?.code == .invalidClient)
        }
    }

    @Test("Scope syntax (RFC 6749 §3.3): tokens of printable ASCII without space, quote or backslash, separated by single spaces")
    func scopeSyntax() throws {
        #expect(try OAuthScope.parse("revocations:read") == ["revocations:read"])
        #expect(try OAuthScope.parse("a b a !#[]~") == ["a", "b", "!#[]~"])
        for bad in ["", " ", "a  b", " a", "a ", "a\nb", "a\"b", "a\\b", "ü"] {
            #expect(throws: JWTAuthError.self, "\(bad)") { try OAuthScope.parse(bad) }
        }
    }
}

/// Standard base64 with padding, as HTTP Basic uses it (RFC 7617).
enum Base64Standard {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 0x3F] : "=")
            }
            index += 3
        }
        return output
    }
}
