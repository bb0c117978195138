import Synchronization
import Testing

@testable import JWTAuth

/// Keys that change while verifiers use them: rotation, a key taken out, a `kid` the ring
/// does not know yet.
@Suite("Key ring")
struct KeyRingTests {
    static let issuer = "https://auth.test"
    let clock = ManualClock(NumericDate(1_800_000_000))

    func token(_ key: JWTKey, subject: String = "u-1") throws -> String {
        let now = self.clock.now
        return try JWTSigner(key: key).sign(
            JWTClaims(issuer: Self.issuer, subject: subject, audience: ["api"], expiresAt: now + .seconds(300), issuedAt: now, tokenID: "j"),
            type: "at+jwt"
        )
    }

    static let policy = JWTValidationPolicy(issuer: issuer, audiences: ["api"], types: ["at+jwt"])

    @Test("A held key stays held while the ring verifies with the same key; taken out, or replaced under its kid or in a kid-less token's only slot, it is not")
    func heldKeys() throws {
        let key = try JWTKey.generate(.es256)
        let publicKey = try #require(key.publicKey)
        let other = try JWTKey.generate(.es256)
        let ring = try KeyRing(verificationKeys: JWTKeySet(publicKey))
        let verifier = JWTVerifier(keyRing: ring, policy: Self.policy, clock: self.clock)
        let held = try #require(ring.heldKey(verifying: try verifier.verify(try self.token(key)).header))
        #expect(held.keyID == key.keyID && held.thumbprint == key.thumbprint)
        #expect(ring.holds(held))

        try ring.replace(signingKey: nil, verificationKeys: JWTKeySet([publicKey, try #require(other.publicKey)]))
        #expect(ring.holds(held), "other keys beside it change nothing")
        try ring.replace(signingKey: nil, verificationKeys: JWTKeySet(try #require(other.publicKey)))
        #expect(!ring.holds(held), "taken out")
        try ring.replace(signingKey: nil, verificationKeys: JWTKeySet(try #require(other.publicKey?.withKeyID(key.keyID))))
        #expect(!ring.holds(held), "another key under the same kid")

        // A token without kid is verified by the ring's only key of its algorithm.
        let anonymous = key.withKeyID(nil)
        try ring.replace(signingKey: nil, verificationKeys: JWTKeySet(try #require(anonymous.publicKey)))
        let heldAnonymous = try #require(ring.heldKey(verifying: try verifier.verify(try self.token(anonymous)).header))
        #expect(heldAnonymous.keyID == nil && ring.holds(heldAnonymous))
        try ring.replace(signingKey: nil, verificationKeys: JWTKeySet(try #require(other.withKeyID(nil).publicKey)))
        #expect(!ring.holds(heldAnonymous), "another key in its slot")
        #expect(ring.heldKey(verifying: JOSEHeader(algorithm: .es384)) == nil)
    }

    @Test("A verifier on a ring accepts the new key's tokens once the ring has it, and stops accepting a removed key's at once, cached or not")
    func rotation() throws {
        let old = try JWTKey.generate(.es256)
        let new = try JWTKey.generate(.es256)
        let ring = try KeyRing(signingKey: old, verificationKeys: JWTKeySet(try #require(old.publicKey)))
        for capacity in [0, 100] {
            try ring.replace(signingKey: old, verificationKeys: JWTKeySet(try #require(old.publicKey)))
            let verifier = JWTVerifier(keyRing: ring, policy: Self.policy, clock: self.clock, cacheCapacity: capacity)
            let oldToken = try self.token(old)
            let newToken = try self.token(new)
            _ = try verifier.verify(oldToken)
            expectRejected(.keyUnknown, "not in the ring yet") { try verifier.verify(newToken) }

            // Publish the new key beside the old one: both verify.
            let before = ring.generation
            try ring.replace(signingKey: new, verificationKeys: JWTKeySet([try #require(old.publicKey), try #require(new.publicKey)]))
            #expect(ring.generation > before)
            #expect(ring.signingKey?.keyID == new.keyID)
            _ = try verifier.verify(oldToken)
            _ = try verifier.verify(newToken)

            // Take the old key out: its token fails although the verifier remembered it.
            ring.replace(verificationKeys: JWTKeySet(try #require(new.publicKey)))
            expectRejected(.keyUnknown, "capacity \(capacity)") { try verifier.verify(oldToken) }
            _ = try verifier.verify(newToken)
            #expect(ring.signingKey?.keyID == new.keyID, "replacing the verification keys keeps the signing key")
        }
    }

    @Test("The ring's algorithms of the moment are the allow-list: a token for an algorithm no key has is alg_rejected")
    func algorithmsFollowTheRing() throws {
        let ec = try JWTKey.generate(.es256)
        let ed = try JWTKey.generate(.eddsa)
        let ring = try KeyRing(verificationKeys: JWTKeySet(try #require(ec.publicKey)))
        let verifier = JWTVerifier(keyRing: ring, policy: Self.policy, clock: self.clock)
        expectRejected(.algorithmRejected) { try verifier.verify(try self.token(ed)) }
        ring.replace(verificationKeys: try JWTKeySet([try #require(ec.publicKey), try #require(ed.publicKey)]))
        _ = try verifier.verify(try self.token(ed))

        // An explicit allow-list in the policy still narrows what the ring offers.
        var narrow = Self.policy
        narrow.algorithms = [.es256]
        let strict = JWTVerifier(keyRing: ring, policy: narrow, clock: self.clock)
        expectRejected(.algorithmRejected) { try strict.verify(try self.token(ed)) }
        _ = try strict.verify(try self.token(ec))
    }

    @Test("A ring refuses a signing key that cannot sign, and stays as it was")
    func refusesPublicSigningKey() throws {
        let key = try JWTKey.generate(.es256)
        let ring = try KeyRing(signingKey: key, verificationKeys: JWTKeySet(try #require(key.publicKey)))
        let generation = ring.generation
        expectRejected(.keyInvalid) { try ring.replace(signingKey: key.publicKey, verificationKeys: JWTKeySet(key)) }
        #expect(ring.generation == generation)
        #expect(ring.signingKey?.keyID == key.keyID)
    }

    final class Calls: Sendable {
        let count = Mutex(0)
    }

    @Test("An unknown kid asks the ring's owner once; the session manager verifies the token after the owner loaded the key")
    func unknownKeyHandler() async throws {
        let old = try JWTKey.generate(.es256)
        let new = try JWTKey.generate(.es256)
        let store = MemoryStore()
        let ring = try KeyRing(signingKey: old, verificationKeys: JWTKeySet(try #require(old.publicKey)))
        let manager = SessionManager(
            configuration: SessionConfiguration(issuer: Self.issuer),
            keys: ring,
            sessions: store,
            users: store,
            clock: self.clock
        )
        // Another instance already signs with the new key.
        let elsewhere = try SessionManager(
            configuration: SessionConfiguration(issuer: Self.issuer),
            signingKey: new,
            sessions: store,
            users: store,
            clock: self.clock
        )
        let user = UserRecord(id: "u-1", username: "alice", passwordHash: "x", roles: [], createdAt: NumericDate(0))
        try await store.createUser(user)
        let pair = try await elsewhere.createSession(for: user, clientID: nil, userAgent: nil)

        // Without a handler the miss is final.
        await #expect(throws: JWTAuthError.self) { try await manager.verify(accessToken: Substring(pair.accessToken)) }

        let calls = Calls()
        ring.setUnknownKeyHandler {
            calls.count.withLock { $0 += 1 }
            try? ring.replace(signingKey: new, verificationKeys: JWTKeySet([old.publicKey!, new.publicKey!]))
        }
        let token = try await manager.verify(accessToken: Substring(pair.accessToken))
        #expect(token.sessionID == pair.session.id)
        #expect(calls.count.withLock { $0 } == 1)
        // The refresh token of the other instance rotates here too.
        let next = try await manager.refresh(pair.refreshToken)
        #expect(next.session.id == pair.session.id)

        // A kid nobody has: the owner is asked, nothing changes, the token stays refused.
        let stranger = try JWTKey.generate(.es256)
        let forged = try JWTSigner(key: stranger).sign(
            JWTClaims(
                issuer: Self.issuer,
                subject: "u-1",
                audience: [Self.issuer],
                expiresAt: self.clock.now + .seconds(60),
                issuedAt: self.clock.now,
                tokenID: "j",
                sessionID: "s",
                clientID: "c"
            ),
            type: "at+jwt"
        )
        let error = await #expect(throws: JWTAuthError.self) { try await manager.verify(accessToken: Substring(forged)) }
        #expect(error?.code == .keyUnknown)
    }

    @Test("A client's token (no sid) verifies as a client identity, and a user-wide revocation of the client id refuses it")
    func clientTokens() async throws {
        let key = try JWTKey.generate(.es256)
        let store = MemoryStore()
        let manager = try SessionManager(
            configuration: SessionConfiguration(issuer: Self.issuer),
            signingKey: key,
            sessions: store,
            users: store,
            clock: self.clock
        )
        let now = self.clock.now
        let token = try JWTSigner(key: key).sign(
            JWTClaims(
                issuer: Self.issuer,
                subject: "c_reader",
                audience: [Self.issuer],
                expiresAt: now + .seconds(300),
                notBefore: now,
                issuedAt: now,
                tokenID: "j",
                clientID: "c_reader",
                scope: "revocations:read other"
            ),
            type: "at+jwt"
        )
        let identity = try await manager.verify(accessToken: Substring(token))
        #expect(identity.sessionID == nil && !identity.isUserToken)
        #expect(identity.userID == "c_reader" && identity.clientID == "c_reader")
        #expect(identity.hasScope("revocations:read") && identity.hasScope("other") && !identity.hasScope("revocations"))

        self.clock.advance(by: .seconds(1))
        try await manager.revoke(token: token)
        let error = await #expect(throws: JWTAuthError.self) { try await manager.verify(accessToken: Substring(token)) }
        #expect(error?.code == .revoked)
    }
}
