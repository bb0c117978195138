import Foundation
import Testing

@testable import JWTAuthClient

/// The client's parts that need no server: parsing, redaction, and the refresh's life cycle
/// under cancellation.
@Suite("Client without a server")
struct ClientUnitTests {
    static let base = URL(string: "https://auth.example.test")!

    /// A compact JWS with `payload` (the signature is never checked by the client).
    static func token(payload: String, padded: Bool = false) -> String {
        var encoded = Data(payload.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        if !padded { encoded = encoded.trimmingCharacters(in: CharacterSet(charactersIn: "=")) }
        return "eyJhbGciOiJFUzI1NiJ9." + encoded + ".c2ln"
    }

    @Test("The access token's exp and iat are read tolerantly, and only as hints")
    func unverifiedTimes() throws {
        let plain = try #require(UnverifiedTokenTimes(token: Self.token(payload: #"{"exp":1800000300,"iat":1800000000,"sub":"a"}"#)))
        #expect(plain.expiresAt == Date(timeIntervalSince1970: 1_800_000_300))
        #expect(plain.lifetime == 300)
        let padded = try #require(UnverifiedTokenTimes(token: Self.token(payload: #"{"exp":1800000300.5}"#, padded: true)))
        #expect(padded.expiresAt == Date(timeIntervalSince1970: 1_800_000_300.5))
        #expect(padded.lifetime == nil)
        let strings = try #require(UnverifiedTokenTimes(token: Self.token(payload: #"{"exp":"1800000300","iat":"x"}"#)))
        #expect(strings.expiresAt == Date(timeIntervalSince1970: 1_800_000_300))
        #expect(strings.issuedAt == nil)

        for junk in [
            "", "opaque-token", "a.b", "a.!!!.c", Self.token(payload: "[1]"), Self.token(payload: #"{"sub":"a"}"#),
            Self.token(payload: #"{"exp":true}"#),
        ] {
            #expect(UnverifiedTokenTimes(token: junk) == nil, "\(junk)")
        }
    }

    @Test("A token response's expiry counts from the request, with exp standing in for a missing expires_in")
    func tokenResponseExpiry() throws {
        let sent = Date(timeIntervalSince1970: 1_000)
        let access = Self.token(payload: #"{"exp":5000,"iat":4000}"#)
        func parse(_ json: String) throws(JWTAuthClientError) -> TokenResponse {
            try TokenResponse(HTTPResponseData(status: 200, body: Data(json.utf8)))
        }

        let full = try parse(#"{"access_token":"\#(access)","token_type":"bearer","expires_in":"300","refresh_token":"r","refresh_expires_in":600}"#)
        #expect(full.tokenPair(requestedAt: sent).accessTokenExpiresAt == sent.addingTimeInterval(300))
        #expect(full.tokenPair(requestedAt: sent).refreshTokenExpiresAt == sent.addingTimeInterval(600))
        #expect(full.accessTokenLifetime == 300)

        let noExpiresIn = try parse(#"{"access_token":"\#(access)","token_type":"Bearer","refresh_token":"r"}"#)
        #expect(noExpiresIn.tokenPair(requestedAt: sent).accessTokenExpiresAt == Date(timeIntervalSince1970: 5000))
        #expect(noExpiresIn.tokenPair(requestedAt: sent).refreshTokenExpiresAt == nil)
        #expect(noExpiresIn.accessTokenLifetime == 1000)

        let opaque = try parse(#"{"access_token":"opaque","token_type":"Bearer","refresh_token":"r"}"#)
        #expect(opaque.tokenPair(requestedAt: sent).accessTokenExpiresAt == .distantFuture)

        for bad in [
            #"{"access_token":"a","token_type":"MAC","refresh_token":"r"}"#, #"{"access_token":"a","token_type":"Bearer"}"#,
            #"{"access_token":"","token_type":"Bearer","refresh_token":"r"}"#, "not json",
        ] {
            #expect(throws: JWTAuthClientError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test("Server errors keep the error code, description and Retry-After; invalid_grant means the session ended")
    func serverErrors() {
        let limited = JWTAuthClientError(
            response: HTTPResponseData(
                status: 429,
                headers: ["retry-after": "42"],
                body: Data(#"{"error":"rate_limited","error_description":"too many failed logins"}"#.utf8)
            )
        )
        #expect(limited.code == .server)
        #expect(limited.status == 429)
        #expect(limited.serverError == "rate_limited")
        #expect(limited.message == "too many failed logins")
        #expect(limited.retryAfter == .seconds(42))

        let ended = JWTAuthClientError(response: HTTPResponseData(status: 400, body: Data(#"{"error":"invalid_grant"}"#.utf8)))
        #expect(ended.code == .sessionEnded)
        #expect(ended.code.description == "session_ended")

        let bare = JWTAuthClientError(response: HTTPResponseData(status: 502, body: Data("<html>".utf8)))
        #expect(bare.code == .server)
        #expect(bare.serverError == nil)
        #expect(bare.message.contains("502"))
    }

    @Test("Only a 401 that names invalid_token is worth a refresh")
    func invalidTokenDetection() {
        #expect(ServerErrorBody.refusesAccessToken(HTTPResponseData(status: 401, headers: ["WWW-Authenticate": #"Bearer realm="x", error="invalid_token""#])))
        #expect(ServerErrorBody.refusesAccessToken(HTTPResponseData(status: 401, body: Data(#"{"error":"invalid_token"}"#.utf8))))
        #expect(!ServerErrorBody.refusesAccessToken(HTTPResponseData(status: 401, headers: ["WWW-Authenticate": #"Bearer realm="x""#])))
        #expect(!ServerErrorBody.refusesAccessToken(HTTPResponseData(status: 403, headers: ["WWW-Authenticate": #"Bearer error="insufficient_scope""#])))
        #expect(!ServerErrorBody.refusesAccessToken(HTTPResponseData(status: 400, body: Data(#"{"error":"invalid_token"}"#.utf8))))
    }

    @Test("A token pair never shows its tokens in descriptions or dumps, and round-trips through Codable")
    func redaction() throws {
        let pair = TokenPair(
            accessToken: "ACCESS-SECRET",
            refreshToken: "REFRESH-SECRET",
            accessTokenExpiresAt: Date(timeIntervalSince1970: 1_800_000_300),
            refreshTokenExpiresAt: Date(timeIntervalSince1970: 1_800_021_600)
        )
        var dumped = ""
        dump(pair, to: &dumped)
        for text in [String(describing: pair), String(reflecting: pair), "\(pair)", dumped, String(describing: Optional(pair))] {
            #expect(!text.contains("SECRET"), "\(text)")
        }
        let stored = try JSONEncoder().encode(pair)
        #expect(try JSONDecoder().decode(TokenPair.self, from: stored) == pair)
    }

    @Test("Header lookup ignores case, and setting a header replaces it however it was spelled")
    func headers() {
        var request = HTTPRequestData(url: Self.base, headers: ["authorization": "Basic abc", "X-Other": "1"])
        request.setValue("Bearer t", forHTTPHeaderField: "Authorization")
        #expect(request.headers == ["Authorization": "Bearer t", "X-Other": "1"])
        #expect(request.value(forHTTPHeaderField: "AUTHORIZATION") == "Bearer t")
        request.setValue(nil, forHTTPHeaderField: "x-other")
        #expect(request.headers == ["Authorization": "Bearer t"])
    }

    @Test("A refresh in flight completes and is stored even when the request that started it is cancelled")
    func refreshSurvivesCancellation() async throws {
        let transport = GatedTransport()
        let storage = TokenStorage()
        let clock = DeviceClock()
        let expiring = TokenPair(accessToken: "access-0", refreshToken: "refresh-0", accessTokenExpiresAt: clock.now.addingTimeInterval(10))
        let client = JWTAuthClient(baseURL: Self.base, transport: transport, tokens: expiring, now: clock.reader, onTokensChanged: storage.callback)

        let started = Task { try await client.send(HTTPRequestData(url: Self.base.appendingPathComponent("api/me"))) }
        var refreshes = transport.refreshesStarted.makeAsyncIterator()
        _ = await refreshes.next()
        started.cancel()
        // Callers arriving meanwhile join the same exchange.
        let joined = Task { try await client.send(HTTPRequestData(url: Self.base.appendingPathComponent("api/me"))) }
        transport.open()
        _ = try? await started.value
        #expect(try await joined.value.status == 200)

        #expect(transport.refreshCount == 1)
        let renewed = try #require(await client.tokens)
        #expect(renewed.accessToken == "access-1")
        #expect(renewed.refreshToken == "refresh-1")
        #expect(storage.history == [renewed])
    }

    @Test("Logging out while a refresh is in flight does not bring the session back")
    func logoutDuringRefresh() async throws {
        let transport = GatedTransport()
        let storage = TokenStorage()
        let clock = DeviceClock()
        let expiring = TokenPair(accessToken: "access-0", refreshToken: "refresh-0", accessTokenExpiresAt: clock.now.addingTimeInterval(10))
        let client = JWTAuthClient(baseURL: Self.base, transport: transport, tokens: expiring, now: clock.reader, onTokensChanged: storage.callback)

        let request = Task { try await client.send(HTTPRequestData(url: Self.base.appendingPathComponent("api/me"))) }
        var refreshes = transport.refreshesStarted.makeAsyncIterator()
        _ = await refreshes.next()
        try await client.logout()
        transport.open()
        let error = await #expect(throws: JWTAuthClientError.self) { try await request.value }
        #expect(error?.code == .notSignedIn)
        #expect(await client.tokens == nil)
        #expect(storage.history == [nil])
    }
}
