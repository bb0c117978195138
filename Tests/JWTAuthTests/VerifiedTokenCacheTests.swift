import Testing

@testable import JWTAuth

/// The verifier's memory of recently verified tokens: it may skip a signature check it already
/// made, and nothing else.
@Suite("Verified-token cache")
struct VerifiedTokenCacheTests {
    static let start = NumericDate(1_800_000_000)

    struct Fixture {
        let clock = ManualClock(VerifiedTokenCacheTests.start)
        let key = try! JWTKey.generate(.es256)
        var verifier: JWTVerifier

        init(capacity: Int = 100) {
            self.verifier = JWTVerifier(
                keys: JWTKeySet(self.key.publicKey ?? self.key),
                policy: JWTValidationPolicy(issuer: "https://auth.test", audiences: ["api"], types: ["at+jwt"], leeway: .seconds(60)),
                clock: self.clock,
                cacheCapacity: capacity
            )
        }

        func token(subject: String = "alice", lifetime: Int64 = 300, issuer: String = "https://auth.test") throws -> String {
            let now = self.clock.now.wholeSeconds
            return try JWTSigner(key: self.key).sign(
                JWTClaims(issuer: issuer, subject: subject, audience: ["api"], expiresAt: NumericDate(now + lifetime), issuedAt: NumericDate(now)),
                type: "at+jwt"
            )
        }
    }

    @Test("A token verified once is remembered; its claims come back the same from memory")
    func remembers() throws {
        let fixture = Fixture()
        let token = try fixture.token()
        let first = try fixture.verifier.verify(token)
        #expect(fixture.verifier.cache?.count == 1)
        let second = try fixture.verifier.verify(token[...])
        #expect(second.claims == first.claims && second.payload == first.payload)
        #expect(fixture.verifier.cache?.count == 1)
    }

    @Test("Only the exact bytes hit: a token with a changed signature or payload is checked, and fails")
    func exactBytes() throws {
        let fixture = Fixture()
        let token = try fixture.token()
        _ = try fixture.verifier.verify(token)
        var bytes = Array(token.utf8)
        bytes[bytes.count - 2] = bytes[bytes.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        expectRejected(.signatureInvalid) { try fixture.verifier.verify(String(decoding: bytes, as: UTF8.self)) }
        let other = try fixture.token(subject: "mallory")
        let parts = token.split(separator: ".")
        let spliced = [parts[0], other.split(separator: ".")[1], parts[2]].joined(separator: ".")
        expectRejected(.signatureInvalid) { try fixture.verifier.verify(spliced) }
        // Failures are never remembered.
        #expect(fixture.verifier.cache?.count == 1)
    }

    @Test("Time still runs on a remembered token: it expires at exp + leeway, and is forgotten")
    func expiry() throws {
        let fixture = Fixture()
        let token = try fixture.token(lifetime: 300)
        _ = try fixture.verifier.verify(token)
        fixture.clock.advance(by: .seconds(359))
        _ = try fixture.verifier.verify(token)
        fixture.clock.advance(by: .seconds(1))
        expectRejected(.expired) { try fixture.verifier.verify(token) }
        #expect(fixture.verifier.cache?.count == 0)
        // A clock stepped back before iat − leeway refuses it as issued in the future.
        let fresh = try fixture.token()
        _ = try fixture.verifier.verify(fresh)
        fixture.clock.advance(by: .seconds(-61))
        expectRejected(.issuedInFuture) { try fixture.verifier.verify(fresh) }
    }

    @Test("New keys or a new policy start an empty cache: nothing verified under the old ones is trusted")
    func invalidation() throws {
        var fixture = Fixture()
        let token = try fixture.token()
        _ = try fixture.verifier.verify(token)
        let original = fixture.verifier

        fixture.verifier.policy.issuer = "https://other.test"
        #expect(fixture.verifier.cache?.count == 0)
        expectRejected(.issuerInvalid) { try fixture.verifier.verify(token) }

        fixture.verifier = original
        let otherKey = try JWTKey.generate(.es256)
        fixture.verifier.keys = JWTKeySet(otherKey.publicKey ?? otherKey)
        #expect(throws: JWTAuthError.self) { try fixture.verifier.verify(token) }
        // The copy made before the change still has its own memory, and its own keys.
        #expect(try original.verify(token).claims.subject == "alice")
    }

    @Test("No cache unless asked for")
    func offByDefault() throws {
        let fixture = Fixture(capacity: 0)
        _ = try fixture.verifier.verify(try fixture.token())
        #expect(fixture.verifier.cache == nil)
        #expect(JWTVerifier(keys: JWTKeySet(fixture.key)).cache == nil)
    }

    @Test("The cache is bounded, and keeps the tokens in use")
    func bounded() throws {
        let fixture = Fixture(capacity: 8)
        let busy = try fixture.token(subject: "busy")
        _ = try fixture.verifier.verify(busy)
        for index in 0..<50 {
            _ = try fixture.verifier.verify(try fixture.token(subject: "user-\(index)"))
            _ = try fixture.verifier.verify(busy)
            #expect((fixture.verifier.cache?.count ?? 0) <= 8)
        }
        // The busy token was used all along, so it is in the newest generation.
        let cache = try #require(fixture.verifier.cache)
        let found = Array(busy.utf8).withUnsafeBytes { cache.lookup($0) }
        #expect(found?.claims.subject == "busy")
    }

    @Test("A session's access token is refused at once after revocation, even when remembered")
    func revocationStillApplies() async throws {
        let clock = ManualClock(Self.start)
        let store = MemoryStore()
        let user = UserRecord(id: "u-1", username: "alice", passwordHash: "x", roles: [], createdAt: NumericDate(0))
        try await store.createUser(user)
        let manager = try SessionManager(
            configuration: SessionConfiguration(issuer: "https://auth.test"),
            signingKey: try JWTKey.generate(.es256),
            sessions: store,
            users: store,
            clock: clock
        )
        let pair = try await manager.createSession(for: user, clientID: nil, userAgent: nil)
        for _ in 0..<3 { _ = try manager.verifyAccessToken(pair.accessToken) }
        try await manager.revokeSession(id: pair.session.id, userID: user.id, reason: .logout)
        expectRejected(.revoked) { try manager.verifyAccessToken(pair.accessToken) }
    }
}
