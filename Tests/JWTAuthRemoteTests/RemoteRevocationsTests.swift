import JWTAuth
import Testing

@testable import JWTAuthRemote

/// A key set and a feed reader on the fake issuer, with one manual clock and short limits.
struct FeedFixture: Sendable {
    static let start = NumericDate(1_800_000_000)

    let issuer: FakeIssuer
    let keys: TestKeys
    let clock: ManualClock
    let keySet: RemoteKeySet
    let revocations: RemoteRevocations
    let verifier: RemoteAccessTokenVerifier

    init(
        _ issuer: FakeIssuer,
        keys: TestKeys,
        configure: (inout RemoteRevocationsConfiguration) -> Void = { _ in }
    ) throws {
        self.issuer = issuer
        self.keys = keys
        self.clock = ManualClock(Self.start)
        var keyConfiguration = RemoteKeySetConfiguration(issuer: issuer.issuer)
        keyConfiguration.checkInterval = .milliseconds(20)
        self.keySet = try RemoteKeySet(configuration: keyConfiguration, clock: self.clock, logger: .quiet)
        let credentials = issuer.credentials
        var configuration = RemoteRevocationsConfiguration(issuer: issuer.issuer, clientID: credentials.id, clientSecret: credentials.secret)
        configuration.initialRetryDelay = .milliseconds(20)
        configuration.maximumRetryDelay = .milliseconds(100)
        configuration.checkInterval = .milliseconds(20)
        configure(&configuration)
        self.revocations = try RemoteRevocations(configuration: configuration, keySet: self.keySet, clock: self.clock, logger: .quiet)
        self.verifier = try RemoteAccessTokenVerifier(keySet: self.keySet, revocations: self.revocations, clock: self.clock)
    }

    /// A fresh access token.
    func token(key: String = "k1", subject: String = "user-1", session: String? = "session-1", issuedAt: NumericDate? = nil) -> String {
        try! self.keys.accessToken(key: key, issuer: self.issuer.issuer, subject: subject, session: session, issuedAt: issuedAt ?? self.clock.now)
    }

    /// Runs both services while `body` runs, once the keys are in.
    func running(_ body: () async throws -> Void) async throws {
        try await withRunning([self.keySet, self.revocations]) {
            try await eventually("the keys") { self.keySet.status.hasUsableKeys }
            try await body()
        }
    }

    /// Waits until the reader caught up (or, for a stale limit of zero, heard from a caught-up feed).
    func caughtUp() async throws {
        try await eventually("the feed caught up") { self.revocations.status.hasCaughtUp && !self.revocations.isStale }
    }
}

@Suite("Remote revocation feed")
struct RemoteRevocationsTests {
    @Test("The feed configuration never shows the client secret: not in description, debugDescription, dump or a mirror")
    func configurationIsRedacted() {
        let secret = "s3cr3t-Zq9xW2vB7nK4mT1pL8rY5uE0oI6aS3dF"
        let configuration = RemoteRevocationsConfiguration(issuer: "https://auth.test", clientID: "c_reader", clientSecret: secret)
        var dumped = ""
        dump(configuration, to: &dumped)
        let mirrored = Mirror(reflecting: configuration).children.map { "\($0.label ?? ""): \($0.value)" }.joined(separator: ", ")
        for text in ["\(configuration)", String(reflecting: configuration), dumped, mirrored] {
            #expect(!text.contains(secret), "\(text)")
            #expect(text.contains("c_reader") && text.contains("<redacted>"), "\(text)")
        }
        #expect(Mirror(reflecting: configuration).children.count == 16, "every property is in the mirror")
    }

    @Test("The snapshot and live events revoke tokens; a cut feed resumes with Last-Event-ID")
    func snapshotLiveAndResume() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try FeedFixture(issuer, keys: keys)
            try await fixture.running {
                let first = try await issuer.connection(1)
                #expect(first.authorization == "Bearer feed-token-1")
                #expect(first.lastEventID == nil)
                let request = try #require(issuer.tokenRequests.first)
                #expect(request["grant_type"] == "client_credentials")
                #expect(request["scope"] == "revocations:read")
                #expect(request["basic_id"] == issuer.credentials.id)

                // Before `ready`, the reader cannot vouch for anything.
                #expect(fixture.revocations.isStale)
                #expect(await failure(fixture.verifier, fixture.token()) == "revocations_stale")

                let cutoff = fixture.clock.now
                let oldToken = fixture.token(subject: "user-2", session: "session-2", issuedAt: cutoff - .seconds(10))
                let newToken = fixture.token(subject: "user-2", session: "session-2b", issuedAt: cutoff + .seconds(1))
                first.send(
                    """
                    : snapshot follows\r
                    id: 1\r
                    event: session-revoked\r
                    data: {"sid":"session-1","event_timestamp":\(cutoff)}\r
                    \r
                    id: 2
                    event: user-revoked
                    data: {"sub":"user-2","revoked_before":\(cutoff),"event_timestamp":\(cutoff),"reason":"ignored"}

                    event: ready
                    data: {"cursor":"2"}


                    """
                )
                try await fixture.caughtUp()
                #expect(fixture.revocations.status.cursor == "2")
                #expect(await failure(fixture.verifier, fixture.token()) == "revoked")
                #expect(await failure(fixture.verifier, oldToken) == "revoked")
                #expect(await failure(fixture.verifier, newToken) == nil)
                #expect(await failure(fixture.verifier, fixture.token(subject: "user-3", session: "session-3")) == nil)

                // A live revocation, and an event type added later (ignored).
                first.send("id: 3\nevent: session-revoked\ndata: {\"sid\":\"session-3\"}\n\nevent: something-new\ndata: {}\n\n")
                try await eventually("the live revocation") {
                    await failure(fixture.verifier, fixture.token(subject: "user-3", session: "session-3")) == "revoked"
                }
                #expect(fixture.revocations.status.cursor == "3")

                first.close()
                let second = try await issuer.connection(2)
                #expect(second.lastEventID == "3")
                #expect(second.authorization == "Bearer feed-token-1")
                second.send("id: 4\nevent: session-revoked\ndata: {\"sid\":\"session-4\"}\n\nevent: ready\ndata: {\"cursor\":\"4\"}\n\n")
                try await eventually("the resumed revocation") {
                    await failure(fixture.verifier, fixture.token(session: "session-4")) == "revoked"
                }
                #expect(fixture.revocations.status.connections == 2)
            }
        }
    }

    @Test("Heartbeats keep the reader fresh; silence past the stale limit refuses every token until the feed is heard again")
    func heartbeatsAndSilence() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try FeedFixture(issuer, keys: keys) { $0.reconnectAfterSilence = .seconds(3600) }
            try await fixture.running {
                let connection = try await issuer.connection(1)
                connection.send("event: ready\ndata: {}\n\n")
                try await fixture.caughtUp()

                fixture.clock.advance(by: .seconds(50))
                connection.send("event: heartbeat\ndata: {\"time\":1}\n\n")
                try await eventually("the heartbeat") { fixture.revocations.status.lastHeard == fixture.clock.now }
                fixture.clock.advance(by: .seconds(50))
                #expect(!fixture.revocations.isStale)
                #expect(await failure(fixture.verifier, fixture.token()) == nil)

                fixture.clock.advance(by: .seconds(11))
                #expect(fixture.revocations.isStale)
                #expect(fixture.revocations.status.staleReason?.contains("silent") == true)
                #expect(await failure(fixture.verifier, fixture.token()) == "revocations_stale")

                connection.send(": keep-alive\n")
                try await eventually("fresh again") { !fixture.revocations.isStale }
                #expect(await failure(fixture.verifier, fixture.token()) == nil)
            }
        }
    }

    @Test("A connection silent for longer than the reconnect limit is opened again, resuming from its cursor")
    func silentConnectionReopened() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try FeedFixture(issuer, keys: keys)
            try await fixture.running {
                let first = try await issuer.connection(1)
                first.send("id: 7\nevent: ready\ndata: {}\n\n")
                try await fixture.caughtUp()
                fixture.clock.advance(by: .seconds(46))
                let second = try await issuer.connection(2)
                #expect(second.lastEventID == "7")
            }
        }
    }

    @Test("A stale limit of zero is never stale, even before the feed is reached")
    func staleLimitZero() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            issuer.setFeedStatus(503)
            let fixture = try FeedFixture(issuer, keys: keys) { $0.staleLimit = .zero }
            try await fixture.running {
                try await eventually("a failed connection") { fixture.revocations.status.lastError != nil }
                #expect(!fixture.revocations.isStale)
                fixture.clock.advance(by: .seconds(3600))
                #expect(!fixture.revocations.isStale)
                #expect(await failure(fixture.verifier, fixture.token()) == nil)
            }
        }
    }

    @Test("The feed token is renewed before it expires, and the feed reopened with it and the cursor")
    func tokenRenewal() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            issuer.setTokenLifetime(120)
            let fixture = try FeedFixture(issuer, keys: keys) { $0.reconnectAfterSilence = .seconds(3600) }
            try await fixture.running {
                let first = try await issuer.connection(1)
                first.send("id: 5\nevent: ready\ndata: {}\n\n")
                try await fixture.caughtUp()
                #expect(issuer.tokensIssued == 1)
                // Renewal is due a minute before expiry.
                fixture.clock.advance(by: .seconds(61))
                let second = try await issuer.connection(2)
                #expect(issuer.tokensIssued == 2)
                #expect(second.authorization == "Bearer feed-token-2")
                #expect(second.lastEventID == "5")
            }
        }
    }

    @Test(
        "A feed that refuses the token (401, 403) is reported and retried with a new token",
        arguments: [(401, #"Bearer error="invalid_token""#, "invalid_token"), (403, #"Bearer error="insufficient_scope""#, "insufficient_scope")]
    )
    func feedRefusesToken(status: Int, challenge: String, reported: String) async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            issuer.setFeedStatus(status, challenge: challenge)
            let fixture = try FeedFixture(issuer, keys: keys)
            try await fixture.running {
                try await eventually("the refusal reported") {
                    fixture.revocations.status.lastError?.contains("HTTP \(status) \(reported)") == true
                }
                try await eventually("retried with new tokens") { issuer.tokensIssued >= 3 }
                #expect(fixture.revocations.isStale)

                issuer.setFeedStatus(nil)
                let connection = try await issuer.connection(1)
                connection.send("event: ready\ndata: {}\n\n")
                try await fixture.caughtUp()
                #expect(fixture.revocations.status.lastError == nil)
            }
        }
    }

    @Test("Wrong client credentials are reported and retried")
    func wrongCredentials() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try FeedFixture(issuer, keys: keys) { $0.clientSecret = "wrong" }
            try await fixture.running {
                try await eventually("the refusal reported") {
                    fixture.revocations.status.lastError?.contains("HTTP 401 invalid_client") == true
                }
                try await eventually("retried") { issuer.tokenRequests.count >= 3 }
                #expect(issuer.connections.isEmpty)
                #expect(fixture.revocations.isStale)
                #expect(await failure(fixture.verifier, fixture.token()) == "revocations_stale")
            }
        }
    }

    @Test("A key revoked through the feed is refused at once, even though the JWKS still lists it")
    func keyRevocationBeatsJWKS() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1", "k2") }
            let fixture = try FeedFixture(issuer, keys: keys)
            try await fixture.running {
                let connection = try await issuer.connection(1)
                connection.send("event: ready\ndata: {}\n\n")
                try await fixture.caughtUp()
                let token = fixture.token(key: "k1")
                #expect(await failure(fixture.verifier, token) == nil)

                connection.send("event: key-revoked\ndata: {\"kid\":\"k1\",\"event_timestamp\":\(fixture.clock.now)}\n\n")
                try await eventually("the key revoked") { fixture.keySet.status.revokedKeyIDs == ["k1"] }
                #expect(await failure(fixture.verifier, token) == "key_unknown")
                try await fixture.keySet.refresh()
                #expect(await failure(fixture.verifier, token) == "key_unknown")
                #expect(await failure(fixture.verifier, fixture.token(key: "k2")) == nil)
            }
        }
    }

    @Test("An event that cannot be applied drops the connection, and the cursor stays before it")
    func malformedEvent() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try FeedFixture(issuer, keys: keys)
            try await fixture.running {
                let first = try await issuer.connection(1)
                first.send("id: 1\nevent: ready\ndata: {}\n\nid: 2\nevent: session-revoked\ndata: {\"no\":\"sid\"}\n\n")
                let second = try await issuer.connection(2)
                #expect(second.lastEventID == "1")
                #expect(fixture.revocations.status.lastError?.contains("without sid") == true)
            }
        }
    }
}

@Suite("Server-sent event parser")
struct ServerSentEventParserTests {
    @Test("Events are read across any split, with CRLF, CR or LF, comments, multi-line data and a persistent id")
    func parsing() throws {
        let stream = "\u{FEFF}: hello\r\nid: 1\revent: a\ndata: x\ndata:y\n\nevent: b\ndata\n\nid: 9\n\n"
        let expected: [ServerSentEventParser.Message] = [
            .comment,
            .event(type: "a", data: Array("x\ny".utf8), lastEventID: "1"),
            .event(type: "b", data: [], lastEventID: "1"),
            .event(type: "message", data: nil, lastEventID: "9"),
        ]
        for chunk in [1, 2, 3, 7, 1000] {
            var parser = ServerSentEventParser(maximumLineBytes: 100, maximumEventBytes: 100)
            var messages: [ServerSentEventParser.Message] = []
            let bytes = Array(stream.utf8)
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                messages += try parser.parse(bytes[start..<min(start + chunk, bytes.count)])
            }
            #expect(messages == expected, "chunks of \(chunk)")
        }
    }

    @Test("A line or an event larger than the bounds is refused")
    func bounds() {
        var parser = ServerSentEventParser(maximumLineBytes: 16, maximumEventBytes: 20)
        #expect(throws: JWTAuthError.self) { _ = try parser.parse(Array(String(repeating: "a", count: 17).utf8)) }
        var events = ServerSentEventParser(maximumLineBytes: 16, maximumEventBytes: 20)
        #expect(throws: JWTAuthError.self) { _ = try events.parse(Array("data: 0123456789\ndata: 0123456789\n".utf8)) }
    }
}
