import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// `POST /auth/refresh` and `POST /oauth/token`: rotation, reuse detection that
/// revokes the whole session at once, grant errors, and the parallel-refresh race.
@Suite("Refresh")
struct RefreshTests {
    /// The three ways a client may present a refresh token.
    enum Style: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case json = "JSON on /auth/refresh"
        case formOnRefresh = "form on /auth/refresh"
        case formOnToken = "form on /oauth/token"

        var testDescription: String { self.rawValue }

        func refresh(_ api: API, _ token: String) async throws -> TestResponse {
            switch self {
            case .json:
                try await api.refresh(token)
            case .formOnRefresh:
                try await api.post("/auth/refresh", form: [("grant_type", "refresh_token"), ("refresh_token", token)])
            case .formOnToken:
                try await api.post("/oauth/token", form: [("grant_type", "refresh_token"), ("refresh_token", token)])
            }
        }
    }

    @Test("A refresh naming another client_id is refused without using the token up")
    func wrongClientID() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice", clientID: "web")
            for response in [
                try await api.post("/auth/refresh", json: #"{"refresh_token":"\#(tokens.refresh)","client_id":"mobile"}"#),
                try await api.post("/oauth/token", form: [("grant_type", "refresh_token"), ("refresh_token", tokens.refresh), ("client_id", "mobile")]),
            ] {
                expectInvalidGrant(response)
            }
            // The real client's refresh still works: no rotation happened, no reuse is seen.
            let response = try await api.post("/auth/refresh", json: #"{"refresh_token":"\#(tokens.refresh)","client_id":"web"}"#)
            #expect(response.status == .ok, "\(response.text)")
            #expect(try await api.me(try Tokens(response).access).status == .ok)
        }
    }

    @Test("Refresh rotates: a new pair for the same session, Cache-Control: no-store", arguments: Style.allCases)
    func rotation(style: Style) async throws {
        try await withServer { api in
            let (id, first) = try await api.signUp("alice", clientID: "web")
            api.clock.advance(by: .seconds(30))
            let response = try await style.refresh(api, first.refresh)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.cacheControl] == "no-store")
            let second = try Tokens(response)
            #expect(Set(second.members.keys) == ["access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"])
            #expect(second.members["token_type"] == "Bearer")
            #expect(second.members["expires_in"] == 300)
            #expect(second.members["refresh_expires_in"] == 21600, "the idle timeout restarts at rotation")
            #expect(second.refresh != first.refresh)
            #expect(second.access != first.access)
            #expect(second.sessionID == first.sessionID)
            let claims = try #require(JWTParts(second.access)?.payload)
            #expect(claims["sub"]?.stringValue == id)
            #expect(claims["client_id"] == "web")
            #expect(claims["iat"]?.integerValue == ServerFixture.start.wholeSeconds + 30)
            #expect(JWTParts(second.refresh)?.payload["jti"] != JWTParts(first.refresh)?.payload["jti"])

            #expect(try await api.me(second.access).status == .ok)
            // The successor rotates in turn.
            let third = try await style.refresh(api, second.refresh)
            #expect(third.status == .ok)
        }
    }

    @Test("Replaying a rotated-away refresh token is invalid_grant and revokes the whole session at once", arguments: Style.allCases)
    func reuseRevokesSession(style: Style) async throws {
        try await withServer { api in
            let (_, first) = try await api.signUp("alice")
            let other = try await api.login("alice")
            let second = try Tokens(try await style.refresh(api, first.refresh))
            #expect(try await api.me(second.access).status == .ok)

            expectInvalidGrant(try await style.refresh(api, first.refresh), "replay of the rotated-away token")
            // The access token of the session is refused on the very next request…
            expectInvalidToken(try await api.me(second.access), "the session's newest access token")
            expectInvalidToken(try await api.me(first.access), "the session's first access token")
            // …and the newest refresh token is dead too.
            expectInvalidGrant(try await style.refresh(api, second.refresh), "the session's newest refresh token")
            // Another session of the same user is untouched.
            #expect(try await api.me(other.access).status == .ok)
            #expect(try await api.refresh(other.refresh).status == .ok)
        }
    }

    @Test("/oauth/token: another grant_type is unsupported_grant_type, a missing one invalid_request")
    func grantTypes() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            for grant in ["password", "authorization_code", "CLIENT_CREDENTIALS", "REFRESH_TOKEN"] {
                let response = try await api.post("/oauth/token", form: [("grant_type", grant), ("refresh_token", tokens.refresh)])
                expectError(response, .badRequest, "unsupported_grant_type", "\(grant)")
            }
            expectError(try await api.post("/oauth/token", form: [("refresh_token", tokens.refresh)]), .badRequest, "invalid_request", "no grant_type")
            expectError(try await api.post("/oauth/token", form: [("grant_type", "refresh_token")]), .badRequest, "invalid_request", "no refresh_token")
            expectError(try await api.post("/oauth/token", form: []), .badRequest, "invalid_request", "empty form")
            expectError(
                try await api.post(
                    "/oauth/token",
                    form: [("grant_type", "refresh_token"), ("grant_type", "refresh_token"), ("refresh_token", tokens.refresh)]
                ),
                .badRequest,
                "invalid_request",
                "grant_type twice"
            )
            // None of these spent the token.
            #expect(try await api.post("/oauth/token", form: [("grant_type", "refresh_token"), ("refresh_token", tokens.refresh)]).status == .ok)
        }
    }

    @Test("/auth/refresh without a refresh token is invalid_request")
    func missingRefreshToken() async throws {
        try await withServer { api in
            expectError(try await api.post("/auth/refresh", json: "{}"), .badRequest, "invalid_request")
            expectError(try await api.post("/auth/refresh", json: #"{"refresh_token":""}"#), .badRequest, "invalid_request")
            expectError(try await api.post("/auth/refresh", json: #"{"refresh_token":42}"#), .badRequest, "invalid_request")
        }
    }

    @Test("Garbage, an access token and a tampered refresh token are 400 invalid_grant", arguments: Style.allCases)
    func badRefreshTokens(style: Style) async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            let parts = tokens.refresh.split(separator: ".").map(String.init)
            for (name, token) in [
                ("garbage", "garbage"),
                ("a.b.c", "a.b.c"),
                ("the access token", tokens.access),
                ("tampered signature", parts[0] + "." + parts[1] + "." + String(parts[2].reversed())),
                ("too large", String(repeating: "x", count: 16 * 1024)),
            ] {
                expectInvalidGrant(try await style.refresh(api, token), "\(name)")
            }
            // None of that touched the real session.
            #expect(try await style.refresh(api, tokens.refresh).status == .ok)
        }
    }

    @Test("A refresh token idle past its 6 h lifetime is invalid_grant")
    func idleExpiry() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            api.clock.advance(by: .seconds(6 * 3600 + 61))
            expectInvalidGrant(try await api.refresh(tokens.refresh))
        }
    }

    @Test("Of 20 parallel refreshes of one token exactly one succeeds, never two live successors")
    func parallelRefreshRace() async throws {
        try await withServer { api in
            let (_, tokens) = try await api.signUp("alice")
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await api.refresh(tokens.refresh) }
                }
                var responses: [TestResponse] = []
                for try await response in group { responses.append(response) }
                return responses
            }
            let successes = responses.filter { $0.status == .ok }
            #expect(successes.count == 1, "statuses: \(responses.map(\.status.code))")
            for failure in responses where failure.status != .ok {
                expectInvalidGrant(failure)
            }
            let successors = Set(successes.compactMap { $0.object["refresh_token"]?.stringValue })
            #expect(Set(successors.map(Self.signingInput)).count <= 1, "two different successors were issued")
            // Whatever happened, at most one refresh token of the session may still work.
            var live = 0
            for successor in successors where try await api.refresh(successor).status == .ok { live += 1 }
            #expect(live <= 1)
        }
    }

    @Test("Inside a configured reuse interval the previous token gets the same successor; after it, reuse is detected")
    func reuseInterval() async throws {
        try await withServer(configure: { $0.session.reuseInterval = .seconds(10) }) { api in
            let (_, first) = try await api.signUp("alice")
            let second = try Tokens(try await api.refresh(first.refresh))
            api.clock.advance(by: .seconds(5))
            let again = try await api.refresh(first.refresh)
            #expect(again.status == .ok, "\(again.text)")
            // ES256 signatures are randomized, so "the same successor" is the same signed content:
            // the same jti, iat and exp, not necessarily the same bytes.
            #expect(
                again.object["refresh_token"]?.stringValue.map(Self.signingInput) == Self.signingInput(second.refresh),
                "the same successor, not a second child"
            )

            api.clock.advance(by: .seconds(6))
            expectInvalidGrant(try await api.refresh(first.refresh), "after the reuse interval")
            expectInvalidGrant(try await api.refresh(second.refresh), "the session is revoked")
            expectInvalidToken(try await api.me(second.access))
        }
    }

    @Test("Inside a reuse interval, 20 parallel refreshes all get the same successor")
    func parallelRefreshWithReuseInterval() async throws {
        try await withServer(configure: { $0.session.reuseInterval = .seconds(10) }) { api in
            let (_, tokens) = try await api.signUp("alice")
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await api.refresh(tokens.refresh) }
                }
                var responses: [TestResponse] = []
                for try await response in group { responses.append(response) }
                return responses
            }
            #expect(responses.allSatisfy { $0.status == .ok }, "statuses: \(responses.map(\.status.code))")
            let successors = responses.compactMap { $0.object["refresh_token"]?.stringValue }
            #expect(Set(successors.map(Self.signingInput)).count == 1, "different successors were issued")
            if let successor = successors.first {
                #expect(try await api.refresh(successor).status == .ok)
            }
        }
    }

    /// A compact JWT without its signature: what identifies a token when signatures are randomized.
    static func signingInput(_ token: String) -> String {
        token.split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: ".")
    }
}
