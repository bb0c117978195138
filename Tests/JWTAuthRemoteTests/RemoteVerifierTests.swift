import JWTAuth
import JWTAuthRemote
import Testing

@Suite("Remote access-token verifier")
struct RemoteVerifierTests {
    @Test("End to end: a valid token is accepted; revoked, expired, wrong-audience and refresh tokens are refused")
    func endToEnd() async throws {
        let keys = try TestKeys()
        try await withFakeIssuer { issuer in
            issuer.update { $0.body = try! keys.jwks("k1") }
            let fixture = try FeedFixture(issuer, keys: keys)
            try await fixture.running {
                let connection = try await issuer.connection(1)
                connection.send("event: ready\ndata: {}\n\n")
                try await fixture.caughtUp()
                let now = fixture.clock.now
                let base = issuer.issuer

                let valid = try await fixture.verifier.verify(accessToken: Substring(fixture.token(subject: "alice", session: "s-alice")))
                #expect(valid.userID == "alice")
                #expect(valid.sessionID == "s-alice")
                #expect(valid.clientID == "default")
                #expect(valid.roles == ["reader"])

                connection.send("id: 1\nevent: session-revoked\ndata: {\"sid\":\"s-alice\"}\n\n")
                try await eventually("the revocation") {
                    await failure(fixture.verifier, fixture.token(subject: "alice", session: "s-alice")) == "revoked"
                }

                let expired = try keys.accessToken(issuer: base, issuedAt: now - .seconds(600))
                #expect(await failure(fixture.verifier, expired) == "expired")
                let otherAudience = try keys.accessToken(issuer: base, audience: "https://other.example", issuedAt: now)
                #expect(await failure(fixture.verifier, otherAudience) == "audience_invalid")
                let otherIssuer = try keys.accessToken(issuer: "https://evil.example", audience: base, issuedAt: now)
                #expect(await failure(fixture.verifier, otherIssuer) == "issuer_invalid")
                let refresh = try keys.accessToken(issuer: base, audience: base + "/oauth/token", issuedAt: now, type: "rt+jwt")
                #expect(await failure(fixture.verifier, refresh) == "type_invalid")
                #expect(await failure(fixture.verifier, "not-a-token") == "malformed")

                // A token that could outlive the feed reader's memory of its revocation (1 h by
                // default) is refused outright, not trusted once the revocation is forgotten.
                let longLived = try keys.accessToken(issuer: base, issuedAt: now, lifetime: .seconds(2 * 3600))
                #expect(await failure(fixture.verifier, longLived) == "too_old")
                let withinRetention = try keys.accessToken(issuer: base, issuedAt: now, lifetime: .seconds(3000))
                #expect(await failure(fixture.verifier, withinRetention) == nil)

                // A revocation event without its data must not move the cursor on.
                connection.send("id: 2\nevent: session-revoked\n\n")
                try await eventually("the reader drops the connection") { fixture.revocations.status.cursor == "1" && !fixture.revocations.status.isConnected }
            }
        }
    }

    @Test("A verifier needs an issuer to require")
    func needsIssuer() throws {
        let keySet = try RemoteKeySet(configuration: RemoteKeySetConfiguration(jwksURL: "https://auth.example.com/jwks.json"))
        #expect(throws: JWTAuthError.self) { try RemoteAccessTokenVerifier(keySet: keySet, revocations: nil) }
        _ = try RemoteAccessTokenVerifier(keySet: keySet, revocations: nil, issuer: "https://auth.example.com")
    }
}
