import JWTAuth
import Testing

@testable import JWTAuthRemote

/// A key set on the fake issuer, with a manual clock and short limits for tests.
struct KeySetFixture: Sendable {
    static let start = NumericDate(1_800_000_000)

    let issuer: FakeIssuer
    let keys: TestKeys
    let clock: ManualClock
    let keySet: RemoteKeySet
    let verifier: RemoteAccessTokenVerifier

    init(
        _ issuer: FakeIssuer,
        keys: TestKeys,
        configure: (inout RemoteKeySetConfiguration) -> Void = { _ in }
    ) throws {
        self.issuer = issuer
        self.keys = keys
        self.clock = ManualClock(Self.start)
        var configuration = RemoteKeySetConfiguration(issuer: issuer.issuer)
        configuration.initialRetryDelay = .milliseconds(20)
        configuration.maximumRetryDelay = .milliseconds(100)
        configuration.checkInterval = .milliseconds(20)
        configure(&configuration)
        self.keySet = try RemoteKeySet(configuration: configuration, clock: self.clock, logger: .quiet)
        self.verifier = try RemoteAccessTokenVerifier(keySet: self.keySet, revocations: nil, clock: self.clock)
    }

    /// A fresh access token of `key`.
    func token(_ key: String = "k1") -> String {
        try! self.keys.accessToken(key: key, issuer: self.issuer.issuer, issuedAt: self.clock.now)
    }

    /// Runs the key set while `body` runs, after its first fetch settled.
    func running(_ body: () async throws -> Void) async throws {
        try await withRunning([self.keySet]) {
            try await eventually("the first fetch") {
                let status = self.keySet.status
                return status.lastSuccess != nil || status.lastError != nil
            }
            try await body()
        }
    }
}

@Suite("Remote key set")
struct RemoteKeySetTests {
    @Test("The JWKS is found through the issuer's RFC 8414 metadata, and its keys verify tokens")
    func discovery() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try KeySetFixture(issuer, keys: keys)
            #expect(await failure(fixture.verifier, fixture.token()) == "keys_unavailable")
            try await fixture.running {
                #expect(fixture.keySet.status.hasUsableKeys)
                #expect(fixture.keySet.status.keyIDs == ["k1"])
                #expect(issuer.metadataRequests == 1)
                #expect(issuer.jwksRequests == 1)
                #expect(await failure(fixture.verifier, fixture.token()) == nil)
            }
        }
    }

    @Test("Metadata that names another issuer is not used (RFC 8414 §3.3)")
    func issuerMismatch() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            issuer.setMetadata(issuer: "https://evil.example", jwksURI: nil)
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                #expect(fixture.keySet.status.lastError?.contains("another issuer") == true)
                #expect(issuer.jwksRequests == 0)
                #expect(!fixture.keySet.status.hasUsableKeys)
                #expect(await failure(fixture.verifier, fixture.token()) == "keys_unavailable")
            }
        }
    }

    @Test("A discovered jwks_uri on plain http off loopback is refused")
    func plainHTTPJWKSURI() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.setMetadata(issuer: nil, jwksURI: "http://keys.example.com/jwks.json")
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                #expect(fixture.keySet.status.lastError?.contains("https") == true)
                #expect(issuer.jwksRequests == 0)
                #expect(await failure(fixture.verifier, fixture.token()) == "keys_unavailable")
            }
        }
    }

    @Test(
        "Configured URLs must be https, or http to a loopback host, without credentials",
        arguments: [
            ("https://auth.example.com", true), ("http://auth.example.com", false),
            ("http://localhost:8080", true), ("http://127.0.0.1:8080", true), ("http://127.9.8.7", true),
            ("http://[::1]:8080", true), ("http://127.1", false), ("http://localhost.example.com", false),
            ("https://user:pass@auth.example.com", false), ("ftp://auth.example.com", false), ("auth.example.com", false),
            ("https://auth.example.com/tenant?x=1", false),
        ]
    )
    func urlRules(url: String, accepted: Bool) {
        let made = Result { () throws(JWTAuthError) in try RemoteKeySet(configuration: RemoteKeySetConfiguration(issuer: url)) }
        let succeeded = (try? made.get()) != nil
        #expect(succeeded == accepted)
        if case .failure(let error) = made { #expect(error.code == .invalidInput) }
    }

    @Test("The metadata URL goes between the host and the issuer's path (RFC 8414 §3.1)")
    func metadataURL() throws {
        let cases = [
            ("https://auth.example.com", "https://auth.example.com/.well-known/oauth-authorization-server"),
            ("https://auth.example.com/", "https://auth.example.com/.well-known/oauth-authorization-server"),
            ("https://auth.example.com/tenant/a", "https://auth.example.com/.well-known/oauth-authorization-server/tenant/a"),
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000/.well-known/oauth-authorization-server"),
        ]
        for (issuer, expected) in cases {
            #expect(try IssuerMetadata.metadataURL(issuer: RemoteURL(issuer, purpose: "issuer")).string == expected)
        }
    }

    @Test(
        "A JWKS that does not parse, publishes a secret or a private key, or has no usable key never replaces a good one",
        arguments: [
            "not json", #"{"keys": "no"}"#, #"{"keys": []}"#, #"{"keys": [{"kty": "EC"}]}"#,
            #"{"keys": [{"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI", "alg": "HS256", "kid": "h"}]}"#,
            #"{"keys": [{"kty": "RSA", "use": "enc", "kid": "e", "n": "AQAB", "e": "AQAB"}]}"#,
            "PRIVATE",
        ]
    )
    func badSetNeverReplacesGood(body: String) async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                #expect(fixture.keySet.status.keyIDs == ["k1"])
                let generation = fixture.keySet.keyRing.generation
                let bad = body == "PRIVATE" ? #"{"keys":[\#(try keys["k2"].jwk(includingPrivateKey: true))]}"# : body
                issuer.update { $0.body = bad }
                await #expect(throws: JWTAuthError.self) { try await fixture.keySet.refresh() }
                #expect(fixture.keySet.status.lastError != nil)
                #expect(fixture.keySet.status.keyIDs == ["k1"])
                #expect(fixture.keySet.keyRing.generation == generation)
                #expect(await failure(fixture.verifier, fixture.token()) == nil)
            }
        }
    }

    @Test("Keys of a type the library cannot use are skipped; the others serve")
    func unusableKeysSkipped() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            let good = try keys.jwks("k1").dropLast(2)
            issuer.update { $0.body = good + #",{"kty":"AKP","alg":"ML-DSA-65","kid":"pq","pub":"AAAA"}]}"# }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                let status = fixture.keySet.status
                #expect(status.keyIDs == ["k1"])
                #expect(status.skippedKeys.count == 1)
                #expect(status.skippedKeys.first?.hasPrefix("kid pq") == true)
            }
        }
    }

    @Test("A JWKS larger than the cap is a failed fetch")
    func hugeJWKS() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = #"{"keys":[],"padding":""# + String(repeating: "x", count: 300 * 1024) + #""}"# }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                #expect(fixture.keySet.status.lastError?.contains("more than 262144 bytes") == true)
                #expect(!fixture.keySet.status.hasUsableKeys)
            }
        }
    }

    @Test("A redirect is not followed")
    func redirectNotFollowed() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            let location = issuer.issuer + "/.well-known/jwks.json"
            issuer.update {
                $0.body = try! keys.jwks("k1")
                $0.status = 302
                $0.headers = [("Location", location)]
            }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                #expect(fixture.keySet.status.lastError?.contains("HTTP 302") == true)
                #expect(issuer.jwksRequests == 1)
                #expect(!fixture.keySet.status.hasUsableKeys)
            }
        }
    }

    @Test("A JWKS that does not answer within the timeout is a failed fetch")
    func slowJWKS() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            let gate = Gate()
            issuer.update {
                $0.body = try! keys.jwks("k1")
                $0.gate = gate
            }
            let fixture = try KeySetFixture(issuer, keys: keys) {
                $0.fetchTimeout = .milliseconds(300)
                $0.jwksURL = issuer.issuer + "/.well-known/jwks.json"
            }
            try await fixture.running {
                let error = fixture.keySet.status.lastError
                #expect(error?.contains("did not answer within 300 ms") == true, "\(error ?? "no error")")
                #expect(await failure(fixture.verifier, fixture.token()) == "keys_unavailable")
                gate.open()
                // A loaded machine may miss even a short deadline once; the point is recovery.
                try await eventually("a fetch after the answer is released") { (try? await fixture.keySet.refresh()) != nil }
                #expect(await failure(fixture.verifier, fixture.token()) == nil)
            }
        }
    }

    @Test("An unchanged set costs a 304: If-None-Match is sent, and the 304 renews its freshness")
    func entityTag() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update {
                $0.body = try! keys.jwks("k1")
                $0.entityTag = "\"v1\""
                $0.headers = [("Cache-Control", "max-age=120")]
            }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                let generation = fixture.keySet.keyRing.generation
                fixture.clock.advance(by: .seconds(121))
                try await fixture.keySet.refresh()
                #expect(issuer.ifNoneMatchSeen.first == .some(nil))
                #expect(issuer.ifNoneMatchSeen.last == "\"v1\"")
                let status = fixture.keySet.status
                #expect(status.lastSuccess == fixture.clock.now)
                #expect(status.expiresAt == fixture.clock.now + .seconds(120))
                #expect(fixture.keySet.keyRing.generation == generation)
                #expect(await failure(fixture.verifier, fixture.token()) == nil)
            }
        }
    }

    @Test(
        "Cache-Control max-age is honoured within 30 s and 24 h; 10 min without it, the minimum for no-store",
        arguments: [
            ([("Cache-Control", "max-age=5")], 30), ([("Cache-Control", "public, max-age=120")], 120),
            ([("Cache-Control", "no-store")], 30), ([("Cache-Control", "no-cache, max-age=3600")], 30),
            ([("Cache-Control", "max-age=999999999999")], 86400), ([], 600),
            ([("Cache-Control", "max-age=600"), ("Age", "500")], 100), ([("Cache-Control", "max-age=oops")], 600),
        ] as [([(String, String)], Int)]
    )
    func cacheLifetime(headers: [(String, String)], seconds: Int) async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update {
                $0.body = try! keys.jwks("k1")
                $0.headers = headers
            }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                let status = fixture.keySet.status
                #expect(status.expiresAt == KeySetFixture.start + .seconds(seconds))
            }
        }
    }

    @Test("The running set is fetched again once it expires")
    func refetchOnExpiry() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update {
                $0.body = try! keys.jwks("k1")
                $0.headers = [("Cache-Control", "max-age=60")]
            }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                #expect(issuer.jwksRequests == 1)
                issuer.update { $0.body = try! keys.jwks("k1", "k2") }
                fixture.clock.advance(by: .seconds(61))
                try await eventually("a second fetch") { fixture.keySet.status.keyIDs.count == 2 }
                #expect(issuer.jwksRequests == 2)
                #expect(await failure(fixture.verifier, fixture.token("k2")) == nil)
            }
        }
    }

    @Test("100 concurrent unknown kids cause exactly one fetch and wait for it; more within the cooldown cause none; a known kid never waits")
    func kidFlood() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                #expect(issuer.jwksRequests == 1)
                // The issuer rotated to k2; its answer is held until the test lets it go.
                let gate = Gate()
                issuer.update {
                    $0.body = try! keys.jwks("k1", "k2")
                    $0.gate = gate
                }
                let rotated = fixture.token("k2")
                let verifier = fixture.verifier
                try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<100 {
                        group.addTask { await failure(verifier, rotated) }
                    }
                    try await eventually("the refetch for the unknown kid") { issuer.jwksRequests == 2 }
                    // While the fetch is held, a token of a known key verifies at once.
                    #expect(await failure(verifier, fixture.token("k1")) == nil)
                    gate.open()
                    var results: [String?] = []
                    for try await result in group { results.append(result) }
                    #expect(results.count == 100)
                    #expect(results.allSatisfy { $0 == nil })
                }
                #expect(issuer.jwksRequests == 2)

                // Made-up kids within the cooldown: refused, and the issuer is not asked.
                let madeUp = try TestKeys.tokenOfUnpublishedKey("nope", issuer: issuer.issuer, issuedAt: fixture.clock.now)
                for _ in 0..<50 { #expect(await failure(verifier, madeUp) == "key_unknown") }
                #expect(issuer.jwksRequests == 2)

                // After the cooldown, one more look.
                fixture.clock.advance(by: .seconds(31))
                let later = try TestKeys.tokenOfUnpublishedKey("nope", issuer: issuer.issuer, issuedAt: fixture.clock.now)
                #expect(await failure(verifier, later) == "key_unknown")
                #expect(await failure(verifier, later) == "key_unknown")
                #expect(issuer.jwksRequests == 3)
            }
        }
    }

    @Test("When the issuer fails, the last good set serves until the maximum stale age, then every token is refused until it is back")
    func staleIfError() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                issuer.update { $0.status = 500 }
                fixture.clock.advance(by: .seconds(11 * 60))
                await #expect(throws: JWTAuthError.self) { try await fixture.keySet.refresh() }
                #expect(fixture.keySet.status.lastError?.contains("HTTP 500") == true)
                #expect(fixture.keySet.status.hasUsableKeys)
                #expect(await failure(fixture.verifier, fixture.token()) == nil)

                fixture.clock.set(KeySetFixture.start + .seconds(24 * 3600) + .seconds(1))
                #expect(await failure(fixture.verifier, fixture.token()) == "keys_unavailable")
                try await eventually("the ring emptied") { fixture.keySet.keyRing.verificationKeys.keys.isEmpty }
                #expect(!fixture.keySet.status.hasUsableKeys)

                issuer.update { $0.status = 200 }
                try await eventually("recovery") { fixture.keySet.status.hasUsableKeys }
                #expect(await failure(fixture.verifier, fixture.token()) == nil)
            }
        }
    }

    @Test("A key revoked through the key set leaves the ring at once and a JWKS that still lists it does not bring it back")
    func revokedKeyStaysOut() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1", "k2") }
            let fixture = try KeySetFixture(issuer, keys: keys)
            try await fixture.running {
                let token = fixture.token("k1")
                #expect(await failure(fixture.verifier, token) == nil)
                fixture.keySet.revokeKey("k1", at: fixture.clock.now)
                #expect(await failure(fixture.verifier, token) == "key_unknown")
                try await fixture.keySet.refresh()
                #expect(fixture.keySet.status.keyIDs == ["k2"])
                #expect(fixture.keySet.status.revokedKeyIDs == ["k1"])
                #expect(await failure(fixture.verifier, token) == "key_unknown")
                #expect(await failure(fixture.verifier, fixture.token("k2")) == nil)
            }
        }
    }
}
