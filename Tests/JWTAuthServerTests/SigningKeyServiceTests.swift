import JWTAuth
import Synchronization
import Testing

@testable import JWTAuthServer

/// The running key service on a memory store: what the revocation feed is given, and how
/// reloads for unknown kids are limited.
@Suite("Signing key service")
struct SigningKeyServiceTests {
    static let schedule = SigningKeySchedule(
        rotationInterval: .seconds(3600),
        publishAhead: .seconds(60),
        retirementPeriod: .seconds(600),
        revocationPeriod: .seconds(86400)
    )

    func start(_ store: any SigningKeyStore, clock: ManualClock, encryptionKey: KeyEncryptionKey = .generate()) async throws -> SigningKeyService {
        try await SigningKeyService.start(
            store: store,
            encryptionKey: encryptionKey,
            schedule: Self.schedule,
            clock: clock,
            pollInterval: .seconds(3600),
            logger: .quiet
        )
    }

    @Test("Revoked keys are reported with when they were revoked, on every change, until their revocation period ends")
    func revokedKeysForTheFeed() async throws {
        let clock = ManualClock(NumericDate(1_800_000_000))
        let service = try await self.start(MemorySigningKeyStore(), clock: clock)
        var updates = service.revokedKeyUpdates().makeAsyncIterator()
        #expect(await updates.next() == [:], "the stream starts with the state of the moment")

        let current = try #require(service.ring.signingKey?.keyID)
        clock.advance(by: .seconds(5))
        let revoked = try await service.revoke(keyID: current)
        #expect(revoked.state == .revoked)
        #expect(await updates.next() == [current: clock.now])
        #expect(service.revokedKeys == [current: clock.now])
        #expect(service.ring.signingKey?.keyID != current)
        #expect(!service.ring.verificationKeys.keys.contains { $0.keyID == current })

        clock.advance(by: .seconds(86400))
        try await service.reload()
        #expect(await updates.next() == [:])
        #expect(service.revokedKeys.isEmpty)
    }

    @Test("The forwarder hands the revoked keys to the feed at start and after each revocation")
    func forwarder() async throws {
        let clock = ManualClock(NumericDate(1_800_000_000))
        let service = try await self.start(MemorySigningKeyStore(), clock: clock)
        let (delivered, deliveries) = AsyncStream<[String: NumericDate]>.makeStream()
        let forwarder = service.revokedKeysForwarder { deliveries.yield($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await forwarder.run() }
            var received = delivered.makeAsyncIterator()
            #expect(await received.next() == [:])
            let current = try #require(service.ring.signingKey?.keyID)
            try await service.revoke(keyID: current)
            #expect(await received.next() == [current: clock.now])
            group.cancelAll()
        }
    }

    @Test("A rotation made through another service on the same store reaches this one on its next reload, or at once for an unknown kid")
    func followsAnotherInstance() async throws {
        let clock = ManualClock(NumericDate(1_800_000_000))
        let store = MemorySigningKeyStore()
        let encryptionKey = KeyEncryptionKey.generate()
        let first = try await self.start(store, clock: clock, encryptionKey: encryptionKey)
        let second = try await self.start(store, clock: clock, encryptionKey: encryptionKey)
        #expect(first.ring.signingKey?.keyID == second.ring.signingKey?.keyID)

        try await first.rotate()
        let rotated = try await first.rotate()
        #expect(second.ring.signingKey?.keyID != rotated.keyID)
        #expect(await second.ring.resolveUnknownKey(), "an unknown kid reloads")
        #expect(second.ring.signingKey?.keyID == rotated.keyID)

        // Within the cooldown a second unknown kid does not reload again.
        try await first.rotate()
        #expect(await second.ring.resolveUnknownKey() == false)
        clock.advance(by: .seconds(1))
        #expect(await second.ring.resolveUnknownKey())
    }

    @Test("A due rotation is made by the first service that reads the keys after it is due")
    func scheduledByPolling() async throws {
        let clock = ManualClock(NumericDate(1_800_000_000))
        let store = MemorySigningKeyStore()
        let service = try await self.start(store, clock: clock)
        let keys = try await store.signingKeys()
        let next = try #require(keys.first { $0.state == .next })
        clock.advance(by: .seconds(3599))
        try await service.reload()
        #expect(service.ring.signingKey?.keyID != next.keyID)
        clock.advance(by: .seconds(1))
        try await service.reload()
        #expect(service.ring.signingKey?.keyID == next.keyID)
        #expect(try await store.signingKeys().count == 3)
    }

    final class Counter: Sendable {
        let value = Mutex(0)
        func increment() { self.value.withLock { $0 += 1 } }
        var count: Int { self.value.withLock { $0 } }
    }

    @Test("Reloads for unknown kids run at most once per second, however many requests ask at once; those that ask during one wait for it")
    func reloadLimiter() async throws {
        let clock = ManualClock(NumericDate(1_800_000_000))
        let limiter = ReloadLimiter(clock: clock)
        let started = Counter()
        let finished = Counter()
        let arrived = Counter()
        let returnedEarly = Counter()
        let (gate, opener) = AsyncStream<Void>.makeStream()
        let reload: @Sendable () async -> Void = {
            started.increment()
            for await _ in gate { break }
            finished.increment()
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    arrived.increment()
                    await limiter.reload(reload)
                    if finished.count == 0 { returnedEarly.increment() }
                }
            }
            // Every request has asked and the one reload is in flight; give any that would
            // return without waiting the chance to, then let the reload finish.
            for _ in 0..<1_000_000 where arrived.count < 10 || started.count == 0 { await Task.yield() }
            for _ in 0..<1000 { await Task.yield() }
            #expect(returnedEarly.count == 0, "a request returned while the reload was still running")
            opener.yield()
        }
        #expect(started.count == 1)
        #expect(returnedEarly.count == 0, "every request returned only once the reload had finished")
        opener.finish()
        await limiter.reload(reload)
        #expect(started.count == 1, "within the second: no new reload")
        clock.advance(by: .seconds(1))
        await limiter.reload(reload)
        #expect(started.count == 2)
    }
}
