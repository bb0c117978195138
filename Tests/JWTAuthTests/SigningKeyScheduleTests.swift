import Synchronization
import Testing

@testable import JWTAuth

/// The key lifecycle's state machine on a manual clock: next → current → retired → gone, or
/// revoked at once.
@Suite("Signing key schedule")
struct SigningKeyScheduleTests {
    static let start = NumericDate(1_800_000_000)
    /// Rotates every 60 s, publishes 20 s ahead, keeps retired keys 100 s and revoked ones 500 s.
    let schedule = SigningKeySchedule(
        rotationInterval: .seconds(60),
        publishAhead: .seconds(20),
        retirementPeriod: .seconds(100),
        revocationPeriod: .seconds(500)
    )
    let encryptionKey = KeyEncryptionKey.generate()

    /// Makes keys with readable kids (k1, k2, …) so the expectations can name them.
    final class Maker: Sendable {
        let count = Mutex(0)
        let encryptionKey: KeyEncryptionKey

        init(_ encryptionKey: KeyEncryptionKey) { self.encryptionKey = encryptionKey }

        var make: SigningKeySchedule.KeyMaker {
            { (state, now) throws(JWTAuthError) in
                let number = self.count.withLock { count in
                    count += 1
                    return count
                }
                return try SigningKeyRecord(key: try JWTKey.generate(.es256, keyID: "k\(number)"), state: state, at: now, sealedWith: self.encryptionKey)
            }
        }
    }

    func states(_ keys: [SigningKeyRecord]) -> [String: SigningKeyRecord.State] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0.keyID, $0.state) })
    }

    func at(_ seconds: Int64) -> NumericDate { Self.start + .seconds(seconds) }

    @Test("How many keys a schedule keeps published: two, and one retired key per rotation in the retirement period")
    func publishedKeyCount() throws {
        #expect(self.schedule.publishedKeyCount == 4, "2 + ⌈100 / 60⌉")
        let defaults = SigningKeySchedule(sessions: SessionConfiguration(issuer: "https://auth.test"))
        #expect(defaults.retirementPeriod == .seconds(21_960), "6 h + 60 s + 300 s")
        #expect(defaults.publishedKeyCount == 3)
        var every = defaults
        every.rotationInterval = .seconds(10)
        #expect(every.publishedKeyCount == 9, "the next key may not sign before it has been published for an hour")
        every.publishAhead = .seconds(10)
        #expect(every.publishedKeyCount == 2198)
        #expect(every.shortestRotationInterval() == .seconds(111))
        every.rotationInterval = .seconds(111)
        #expect(every.publishedKeyCount == 200)
        try every.checkPublishedKeyCount()
        every.rotationInterval = .seconds(110)
        #expect(every.publishedKeyCount == 202)
        let error = #expect(throws: JWTAuthError.self) { try every.checkPublishedKeyCount() }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("rotate every 111s or more") == true, "\(String(describing: error))")
        #expect(error?.message.contains("a retired key stays 6h6m,") == true, "\(String(describing: error))")
        // A rotation never comes before the next key has been published for the publish-ahead.
        every.publishAhead = .seconds(3600)
        #expect(every.publishedKeyCount == 9)
        every.rotationInterval = .zero
        #expect(every.publishedKeyCount == nil, "by hand only")
        try every.checkPublishedKeyCount()
    }

    @Test("Rotating on schedule, polled every second, never publishes more keys than the schedule says")
    func publishedKeyCountHolds() throws {
        let schedule = SigningKeySchedule(
            rotationInterval: .seconds(10),
            publishAhead: .seconds(5),
            retirementPeriod: .seconds(1000),
            revocationPeriod: .seconds(2000)
        )
        var made = 0
        let make: SigningKeySchedule.KeyMaker = { state, now in
            made += 1
            return SigningKeyRecord(keyID: "k\(made)", algorithm: .es256, state: state, sealedKey: "", createdAt: now)
        }
        var keys: [SigningKeyRecord] = []
        var most = 0
        for second in 0..<3000 {
            keys = try schedule.advance(keys, at: self.at(Int64(second)), newKey: make)
            most = max(most, schedule.published(keys, at: self.at(Int64(second))).count)
        }
        #expect(most == schedule.publishedKeyCount)
    }

    @Test("A first start creates a current key that signs at once and a next key that is published")
    func firstStart() throws {
        let maker = Maker(self.encryptionKey)
        let keys = try self.schedule.advance([], at: self.at(0), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .current, "k2": .next])
        #expect(self.schedule.signingKey(keys)?.keyID == "k1")
        #expect(self.schedule.published(keys, at: self.at(0)).map(\.keyID) == ["k1", "k2"])
        #expect(!self.schedule.isDue(keys, at: self.at(59)))
        #expect(try self.schedule.advance(keys, at: self.at(59), newKey: maker.make) == keys, "nothing is due before the rotation interval")
    }

    @Test("A due rotation promotes next, retires current and publishes a new next; the retired key leaves after its retirement period")
    func rotationAndRetirement() throws {
        let maker = Maker(self.encryptionKey)
        var keys = try self.schedule.advance([], at: self.at(0), newKey: maker.make)
        #expect(self.schedule.isDue(keys, at: self.at(60)))
        keys = try self.schedule.advance(keys, at: self.at(60), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .retired, "k2": .current, "k3": .next])
        #expect(self.schedule.published(keys, at: self.at(60)).map(\.keyID) == ["k2", "k3", "k1"], "current, next, then retired")
        let k2 = try #require(keys.first { $0.keyID == "k2" })
        #expect(k2.activatedAt == self.at(60))

        // The next rotation, 60 s after k2 started signing.
        keys = try self.schedule.advance(keys, at: self.at(120), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .retired, "k2": .retired, "k3": .current, "k4": .next])

        // The retired key is published until 100 s after its retirement, then deleted.
        #expect(self.schedule.published(keys, at: self.at(159)).map(\.keyID) == ["k3", "k4", "k2", "k1"])
        #expect(self.schedule.published(keys, at: self.at(160)).map(\.keyID) == ["k3", "k4", "k2"])
        #expect(self.schedule.isDue(keys, at: self.at(160)))
        keys = try self.schedule.advance(keys, at: self.at(160), newKey: maker.make)
        #expect(self.states(keys) == ["k2": .retired, "k3": .current, "k4": .next])
    }

    @Test("A next key published for less than the publish-ahead does not sign, even when the rotation is due")
    func publishAhead() throws {
        let maker = Maker(self.encryptionKey)
        var keys = try self.schedule.advance([], at: self.at(0), newKey: maker.make)
        // The next key is replaced at 50 s (revoked), so its successor is young at 60 s.
        keys = try self.schedule.revoke("k2", in: keys, at: self.at(50), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .current, "k2": .revoked, "k3": .next])
        #expect(!self.schedule.isDue(keys, at: self.at(60)))
        keys = try self.schedule.advance(keys, at: self.at(69), newKey: maker.make)
        #expect(self.schedule.signingKey(keys)?.keyID == "k1", "k3 has been published 19 s of the 20")
        keys = try self.schedule.advance(keys, at: self.at(70), newKey: maker.make)
        #expect(self.schedule.signingKey(keys)?.keyID == "k3")
        #expect(self.states(keys)["k1"] == .retired)
    }

    @Test("Revoking the current key makes next sign at once and creates a new next; the revoked key is unpublished and remembered for the revocation period")
    func revokeCurrent() throws {
        let maker = Maker(self.encryptionKey)
        var keys = try self.schedule.advance([], at: self.at(0), newKey: maker.make)
        keys = try self.schedule.revoke("k1", in: keys, at: self.at(5), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .revoked, "k2": .current, "k3": .next])
        #expect(self.schedule.published(keys, at: self.at(5)).map(\.keyID) == ["k2", "k3"])
        #expect(self.schedule.revokedKeys(keys, at: self.at(5)) == ["k1": self.at(5)])

        // Revoking again changes nothing; an unknown kid is not_found.
        #expect(try self.schedule.revoke("k1", in: keys, at: self.at(6), newKey: maker.make) == keys)
        let error = #expect(throws: JWTAuthError.self) { try self.schedule.revoke("nope", in: keys, at: self.at(6), newKey: maker.make) }
        #expect(error?.code == .notFound)

        keys = try self.schedule.advance(keys, at: self.at(504), newKey: maker.make)
        #expect(self.schedule.revokedKeys(keys, at: self.at(504)) == ["k1": self.at(5)])
        keys = try self.schedule.advance(keys, at: self.at(505), newKey: maker.make)
        #expect(self.schedule.revokedKeys(keys, at: self.at(505)).isEmpty)
        #expect(!keys.contains { $0.keyID == "k1" }, "a revoked key is deleted after its revocation period")
    }

    @Test("Revoking a retired key takes it out of the published set at once")
    func revokeRetired() throws {
        let maker = Maker(self.encryptionKey)
        var keys = try self.schedule.advance([], at: self.at(0), newKey: maker.make)
        keys = try self.schedule.advance(keys, at: self.at(60), newKey: maker.make)
        keys = try self.schedule.revoke("k1", in: keys, at: self.at(61), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .revoked, "k2": .current, "k3": .next])
        #expect(self.schedule.published(keys, at: self.at(61)).map(\.keyID) == ["k2", "k3"])
    }

    @Test("A rotation by hand makes next sign now, whatever the schedule, and creates a new next")
    func rotateByHand() throws {
        let maker = Maker(self.encryptionKey)
        var keys = try self.schedule.advance([], at: self.at(0), newKey: maker.make)
        keys = try self.schedule.rotate(keys, at: self.at(1), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .retired, "k2": .current, "k3": .next])
        let error = #expect(throws: JWTAuthError.self) { try self.schedule.rotate([], at: self.at(1), newKey: maker.make) }
        #expect(error?.code == .notFound)
    }

    @Test("With a rotation interval of zero keys rotate only by hand")
    func manualOnly() throws {
        let maker = Maker(self.encryptionKey)
        var manual = self.schedule
        manual.rotationInterval = .zero
        let keys = try manual.advance([], at: self.at(0), newKey: maker.make)
        #expect(!manual.isDue(keys, at: self.at(10 * 365 * 86400)))
    }

    @Test("Two current keys (a store written by hand) are brought back to one: the newest signs")
    func duplicates() throws {
        let maker = Maker(self.encryptionKey)
        let older = try maker.make(.current, self.at(0))
        let newer = try maker.make(.current, self.at(10))
        let keys = try self.schedule.advance([older, newer], at: self.at(20), newKey: maker.make)
        #expect(self.states(keys) == ["k1": .retired, "k2": .current, "k3": .next])
    }

    @Test("The memory store refuses keys that would break its constraints and keeps what it had")
    func memoryStoreConstraints() async throws {
        let maker = Maker(self.encryptionKey)
        let store = MemorySigningKeyStore()
        let first = try self.schedule.advance([], at: self.at(0), newKey: maker.make)
        let written = try await store.updateSigningKeys { _ in (first, first.count) }
        #expect(written == 2)
        let extra = try maker.make(.current, self.at(1))
        await #expect(throws: JWTAuthError.self) {
            try await store.updateSigningKeys { keys in (keys + [extra], ()) }
        }
        await #expect(throws: JWTAuthError.self) {
            try await store.updateSigningKeys { keys -> (keys: [SigningKeyRecord], result: Void) in throw JWTAuthError(.notFound, "changed my mind") }
        }
        #expect(Set(try await store.signingKeys()) == Set(first))
    }
}
