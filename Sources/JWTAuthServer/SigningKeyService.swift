public import JWTAuth
import JWTAuthSQL
public import Logging
public import ServiceLifecycle
import Synchronization

/// The signing keys of a running token server, kept in a database that several instances share.
///
/// On start the keys are prepared under the store's lock (created on a first start, imported
/// from key files when asked, any due move made) and loaded into ``ring``, which the session
/// engine signs and verifies with. While it runs the service reads the keys about once a
/// second (``pollInterval``): a rotation, a revocation or a new key made by another instance or
/// by `jwtauth keys` replaces the ring within that time, and a due rotation is made — by
/// exactly one instance, the first to take the lock. A token naming a `kid` this instance has
/// not loaded makes it read the keys at once, at most once a second.
///
/// Revoked keys that verifiers elsewhere must still refuse are ``revokedKeys``, and
/// ``revokedKeyUpdates()`` delivers them whenever they change (for the revocation feed).
public final class SigningKeyService: Service, Sendable {
    /// The keys the session engine signs and verifies with, replaced as the stored keys change.
    public let ring: KeyRing
    /// Where the keys live.
    public let store: any SigningKeyStore
    /// When keys rotate, retire and are forgotten.
    public let schedule: SigningKeySchedule
    /// How often the stored keys are read.
    public let pollInterval: Duration
    let operations: SigningKeyOperations
    let clock: any UnixClock
    let metrics: JWTAuthMetrics
    let logger: Logger
    /// Reloads one at a time, so an older read never replaces a newer one.
    private let reloads = AsyncLock()
    private let unknownKeyReloads: ReloadLimiter
    private let state: Mutex<State>

    private struct State {
        /// What the ring was last built from: the published keys and their states.
        var published: [String] = []
        /// Opened keys by their sealed form, so each is opened once.
        var opened: [String: JWTKey] = [:]
        var revoked: [String: NumericDate] = [:]
        var subscribers: [Int: AsyncStream<[String: NumericDate]>.Continuation] = [:]
        var nextSubscriber = 0
    }

    /// Prepares the stored keys and loads them.
    ///
    /// - Parameters:
    ///   - store: Where the keys live.
    ///   - encryptionKey: The key that seals the private keys; every instance on the store
    ///     needs the same.
    ///   - schedule: When keys rotate, retire and are forgotten.
    ///   - algorithm: The algorithm of new keys; nil keeps the current key's (ES256 at first).
    ///   - legacyKeys: Keys to store when the store holds none yet (the key files of a data
    ///     directory from before keys lived in the database), so their tokens keep working.
    ///   - clock: Where "now" comes from.
    ///   - pollInterval: How often the stored keys are read.
    ///   - logger: Where rotations, revocations and read failures are logged (never a key).
    /// - Throws: `invalid_input` for a schedule that would publish more than
    ///   ``SigningKeySchedule/maximumPublishedKeys`` keys; `key_invalid` when the stored keys
    ///   were sealed under another key-encryption key, or were altered; `store_unavailable`.
    public static func start(
        store: any SigningKeyStore,
        encryptionKey: KeyEncryptionKey,
        schedule: SigningKeySchedule,
        algorithm: JWSAlgorithm? = nil,
        importing legacyKeys: [SigningKeyRecord] = [],
        clock: any UnixClock = SystemClock(),
        pollInterval: Duration = .seconds(1),
        metrics: JWTAuthMetrics = JWTAuthMetrics(),
        logger: Logger = Logger(label: "jwtauth.keys")
    ) async throws -> SigningKeyService {
        try schedule.checkPublishedKeyCount()
        let operations = SigningKeyOperations(store: store, schedule: schedule, encryptionKey: encryptionKey, algorithm: algorithm)
        let records = try await operations.prepare(importing: legacyKeys, at: clock.now)
        let imported = legacyKeys.filter { legacy in records.contains { $0.sealedKey == legacy.sealedKey } }
        if !imported.isEmpty {
            logger.notice("imported signing keys into the database", metadata: ["kids": "\(imported.map(\.keyID).joined(separator: ","))"])
        }
        let service = try SigningKeyService(
            operations: operations,
            records: records,
            clock: clock,
            pollInterval: pollInterval,
            metrics: metrics,
            logger: logger
        )
        service.ring.setUnknownKeyHandler { [weak service] in
            await service?.reloadForUnknownKey()
        }
        return service
    }

    private init(
        operations: SigningKeyOperations,
        records: [SigningKeyRecord],
        clock: any UnixClock,
        pollInterval: Duration,
        metrics: JWTAuthMetrics,
        logger: Logger
    ) throws {
        self.operations = operations
        self.metrics = metrics
        self.store = operations.store
        self.schedule = operations.schedule
        self.clock = clock
        self.pollInterval = pollInterval
        self.logger = logger
        self.unknownKeyReloads = ReloadLimiter(clock: clock)
        var state = State()
        let material = try Self.material(records, schedule: operations.schedule, encryptionKey: operations.encryptionKey, opened: &state.opened, now: clock.now)
        self.ring = try KeyRing(signingKey: material.signing, verificationKeys: material.verification)
        state.published = material.fingerprint
        state.revoked = material.revoked
        self.state = Mutex(state)
        self.recordKeyAge(records, now: clock.now)
        logger.info(
            "signing keys loaded",
            metadata: ["kid": "\(material.signing.keyID ?? "")", "alg": "\(material.signing.algorithm)", "published": "\(material.fingerprint.count)"]
        )
    }

    // MARK: - Running

    /// Reads the stored keys every ``pollInterval`` until graceful shutdown; a failed read is
    /// logged once and the keys loaded so far stay in use.
    public func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.pollInterval) }
            } catch {
                return
            }
            do {
                try await self.reload()
                if failing {
                    self.logger.info("signing keys readable again")
                    failing = false
                }
            } catch {
                if !failing { self.logger.warning("cannot read the signing keys; keeping the ones loaded", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }

    /// Reads the stored keys now, makes any move that is due (a rotation, a deletion) and
    /// replaces the ring if the keys changed.
    public func reload() async throws {
        try await self.reloads.withLock {
            var records = try await self.store.signingKeys()
            if self.schedule.isDue(records, at: self.clock.now) {
                records = try await self.operations.advance(at: self.clock.now)
            }
            try self.apply(records)
        }
    }

    /// Rotates now, by hand: the next key signs, the current one retires, a new next key is
    /// made. Other instances follow within their poll interval.
    ///
    /// - Returns: The key that signs now.
    @discardableResult
    public func rotate() async throws -> SigningKeyRecord {
        try await self.reloads.withLock {
            let records = try await self.operations.rotate(at: self.clock.now)
            try self.apply(records)
            guard let current = self.schedule.signingKey(records) else { throw JWTAuthError(.keyInvalid, "no key signs after the rotation") }
            self.logger.notice("signing key rotated by hand", metadata: ["kid": "\(current.keyID)"])
            return current
        }
    }

    /// Revokes a key: it leaves the ring (and the JWKS) at once; if it was current, next signs
    /// now and a new next key is made.
    ///
    /// - Returns: The revoked key.
    /// - Throws: `not_found` for an unknown `kid`.
    @discardableResult
    public func revoke(keyID: String) async throws -> SigningKeyRecord {
        try await self.reloads.withLock {
            let records = try await self.operations.revoke(keyID, at: self.clock.now)
            try self.apply(records)
            guard let revoked = records.first(where: { $0.keyID == keyID }) else { throw JWTAuthError(.notFound, "no signing key has the kid \(keyID)") }
            self.logger.notice("signing key revoked", metadata: ["kid": "\(keyID)"])
            return revoked
        }
    }

    /// The revoked keys whose tokens verifiers must still refuse: `kid` → when it was revoked.
    /// Each is kept for the schedule's revocation period (at least a day, and at least as long
    /// as a token it signed could live).
    public var revokedKeys: [String: NumericDate] {
        self.state.withLock { $0.revoked }
    }

    /// ``revokedKeys`` now, and again every time it changes, until the stream is dropped.
    public func revokedKeyUpdates() -> AsyncStream<[String: NumericDate]> {
        let (stream, continuation) = AsyncStream<[String: NumericDate]>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = self.state.withLock { state in
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            continuation.yield(state.revoked)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// A service that hands ``revokedKeys`` to `deliver` now and on every change until graceful
    /// shutdown: run it beside this one to keep a revocation feed's key revocations current
    /// (`deliver` would call the feed's `updateRevokedKeys(_:)`).
    public func revokedKeysForwarder(_ deliver: @escaping @Sendable ([String: NumericDate]) async -> Void) -> RevokedKeysForwarder {
        RevokedKeysForwarder(updates: self.revokedKeyUpdates, deliver: deliver)
    }

    // MARK: - Loading

    private func reloadForUnknownKey() async {
        await self.unknownKeyReloads.reload {
            do {
                try await self.reload()
            } catch {
                self.logger.warning("cannot read the signing keys for a token with an unknown kid", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Replaces the ring when the published keys or their states changed, and tells
    /// subscribers when the revoked keys did.
    private func apply(_ records: [SigningKeyRecord]) throws {
        let now = self.clock.now
        self.recordKeyAge(records, now: now)
        let (changed, revokedChanged, signing) = try self.state.withLock { state throws -> (Bool, [String: NumericDate]?, JWTKey?) in
            let material = try Self.material(records, schedule: self.schedule, encryptionKey: self.operations.encryptionKey, opened: &state.opened, now: now)
            var changed = false
            if material.fingerprint != state.published {
                try self.ring.replace(signingKey: material.signing, verificationKeys: material.verification)
                state.published = material.fingerprint
                changed = true
            }
            guard material.revoked != state.revoked else { return (changed, nil, material.signing) }
            state.revoked = material.revoked
            for continuation in state.subscribers.values { continuation.yield(material.revoked) }
            return (changed, material.revoked, material.signing)
        }
        if changed {
            self.logger.info("signing keys changed", metadata: ["kid": "\(signing?.keyID ?? "")", "published": "\(self.ring.verificationKeys.keys.count)"])
        }
        if let revokedChanged {
            self.logger.info("revoked signing keys changed", metadata: ["kids": "\(revokedChanged.keys.sorted().joined(separator: ","))"])
        }
    }

    /// Keeps `jwtauth_signing_key_age_seconds` current: it is set on every read of the keys
    /// (every poll interval), so a stalled rotation shows as a growing age.
    private func recordKeyAge(_ records: [SigningKeyRecord], now: NumericDate) {
        guard let current = self.schedule.signingKey(records) else { return }
        self.metrics.recordSigningKeyAge(now.duration(since: current.activatedAt ?? current.createdAt))
    }

    private struct Material {
        var signing: JWTKey
        var verification: JWTKeySet
        /// The published keys' kids and states, current first.
        var fingerprint: [String]
        var revoked: [String: NumericDate]
    }

    private static func material(
        _ records: [SigningKeyRecord],
        schedule: SigningKeySchedule,
        encryptionKey: KeyEncryptionKey,
        opened: inout [String: JWTKey],
        now: NumericDate
    ) throws -> Material {
        try SigningKeyOperations.checkSealing(records, encryptionKey: encryptionKey)
        let published = schedule.published(records, at: now)
        guard let current = published.first, current.state == .current else {
            throw JWTAuthError(.keyInvalid, "the database holds no current signing key")
        }
        var stillOpened: [String: JWTKey] = [:]
        var keys: [JWTKey] = []
        for record in published {
            let key = try opened[record.sealedKey] ?? record.open(with: encryptionKey)
            stillOpened[record.sealedKey] = key
            keys.append(key)
        }
        opened = stillOpened
        guard let signing = keys.first else { throw JWTAuthError(.keyInvalid, "the database holds no current signing key") }
        return Material(
            signing: signing,
            verification: try JWTKeySet(keys.map { $0.publicKey ?? $0 }),
            fingerprint: published.map { "\($0.keyID) \($0.state.rawValue)" },
            revoked: schedule.revokedKeys(records, at: now)
        )
    }
}
