/// The signing-key lifecycle as pure functions of the stored keys and the time: when `next`
/// may sign, when `current` retires, when a retired or revoked key is forgotten.
///
/// A key is created as `next` and published at once; it signs (becomes `current`) when the
/// current key is due for rotation and the new one has been published for at least
/// ``publishAhead``, so a cache of the JWKS holds it before the first token it signs arrives.
/// The key it replaces is `retired`: published and accepted until every token it signed has
/// expired (``retirementPeriod``), then deleted. A `revoked` key is out of the JWKS at once; if
/// it was current, `next` signs at once. There is always one `current` and one `next`.
///
/// The functions never read a clock or a store: a ``SigningKeyStore`` runs them inside its
/// transaction, so the instance that takes the lock first makes a due change and the others
/// find nothing left to do.
public struct SigningKeySchedule: Sendable, Hashable {
    /// How long a key signs before it is replaced; zero rotates only by hand.
    public var rotationInterval: Duration
    /// How long a key is published before it may sign.
    public var publishAhead: Duration
    /// How long a retired key stays published: the longest life of a token it signed, the
    /// leeway, and a margin for instances that have not noticed the rotation yet.
    public var retirementPeriod: Duration
    /// How long a revoked key is remembered (and reported to remote verifiers).
    public var revocationPeriod: Duration

    /// A generator of new keys: the state to create the key in and the time.
    public typealias KeyMaker = (SigningKeyRecord.State, NumericDate) throws(JWTAuthError) -> SigningKeyRecord

    /// Creates a schedule; each parameter sets the property of the same name.
    public init(rotationInterval: Duration, publishAhead: Duration, retirementPeriod: Duration, revocationPeriod: Duration) {
        self.rotationInterval = max(.zero, rotationInterval)
        self.publishAhead = max(.zero, publishAhead)
        self.retirementPeriod = max(.zero, retirementPeriod)
        self.revocationPeriod = max(.zero, revocationPeriod)
    }

    /// A schedule for keys that sign the tokens `sessions` describes: retired keys stay until
    /// the longest-lived token (the refresh token, usually) has expired, plus the leeway and
    /// `margin`; revoked keys are remembered for at least a day and at least as long.
    ///
    /// - Parameters:
    ///   - rotationInterval: How long a key signs (default 30 days; zero: by hand only).
    ///   - publishAhead: How long a key is published before it signs (default one hour).
    ///   - margin: Added to the retirement period for instances still signing with the old key
    ///     until they notice the rotation (they read the keys about once a second).
    public init(
        rotationInterval: Duration = .seconds(30 * 86400),
        publishAhead: Duration = .seconds(3600),
        sessions: SessionConfiguration,
        margin: Duration = .seconds(300)
    ) {
        let retirement = max(sessions.accessTokenLifetime, sessions.refreshTokenLifetime) + sessions.leeway + margin
        self.init(
            rotationInterval: rotationInterval,
            publishAhead: publishAhead,
            retirementPeriod: retirement,
            revocationPeriod: max(.seconds(86400), retirement)
        )
    }

    // MARK: - Size

    /// The most signing keys a schedule may keep published. Remote verifiers cap the JWKS they
    /// read (256 KiB for `RemoteKeySet`) and fail closed beyond it; 200 keys fit with room to
    /// spare, even RSA-4096 keys of about 800 bytes each.
    public static let maximumPublishedKeys = 200

    /// The most keys this schedule keeps published at once, rotations by hand aside: the
    /// current and the next key, and one retired key for each rotation within the retirement
    /// period (a rotation comes every ``rotationInterval``, and never before the next key has
    /// been published for ``publishAhead``). Nil when keys rotate only by hand.
    public var publishedKeyCount: Int? {
        guard self.rotationInterval > .zero else { return nil }
        let period = max(self.rotationInterval, self.publishAhead)
        let retired = (self.retirementPeriod.seconds / period.seconds).rounded(.up)
        return retired >= Double(Int.max - 2) ? Int.max : 2 + Int(retired)
    }

    /// The shortest rotation interval, in whole seconds, with which at most `maximum` keys
    /// are published.
    public func shortestRotationInterval(publishingAtMost maximum: Int = Self.maximumPublishedKeys) -> Duration {
        let retiredSlots = Double(max(1, maximum - 2))
        return .seconds(max(1, Int64((self.retirementPeriod.seconds / retiredSlots).rounded(.up))))
    }

    /// Refuses a schedule that would publish more than ``maximumPublishedKeys`` keys.
    ///
    /// - Throws: `invalid_input`, naming the shortest rotation interval that fits.
    public func checkPublishedKeyCount() throws(JWTAuthError) {
        guard let count = self.publishedKeyCount, count > Self.maximumPublishedKeys else { return }
        let shortest = self.shortestRotationInterval()
        throw .invalidInput(
            "rotating every \(Self.text(self.rotationInterval)) would keep up to \(count) signing keys published (a retired key stays "
                + "\(Self.longText(self.retirementPeriod)), until every token it signed has expired), more than the \(Self.maximumPublishedKeys) "
                + "that keep the JWKS within what remote verifiers accept; rotate every \(Self.text(shortest)) or more, or only by hand (0)"
        )
    }

    /// A duration as the command line writes it: whole seconds (`111s`), or milliseconds.
    private static func text(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int64(seconds))s" : "\(Int64((seconds * 1000).rounded()))ms"
    }

    /// A long duration for people: `6h6m`, or as ``text(_:)`` below an hour.
    private static func longText(_ duration: Duration) -> String {
        let seconds = Int64(duration.seconds.rounded(.up))
        guard seconds >= 3600 else { return Self.text(duration) }
        let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60)
        return "\(hours)h" + (minutes > 0 || rest > 0 ? "\(minutes)m" : "") + (rest > 0 ? "\(rest)s" : "")
    }

    // MARK: - Moves

    /// The keys after everything due at `now`: expired retired and revoked keys deleted, the
    /// current key rotated if due (and its successor published long enough), a missing current
    /// or next key created (a missing current replaced by next at once).
    public func advance(_ keys: [SigningKeyRecord], at now: NumericDate, newKey: KeyMaker) throws(JWTAuthError) -> [SigningKeyRecord] {
        var keys = keys.filter { !self.isForgotten($0, at: now) }
        Self.retireDuplicates(of: .current, in: &keys, at: now)
        Self.retireDuplicates(of: .next, in: &keys, at: now)
        if let current = keys.firstIndex(where: { $0.state == .current }) {
            let activated = keys[current].activatedAt ?? keys[current].createdAt
            if self.rotationInterval > .zero, activated + self.rotationInterval <= now,
                let next = keys.firstIndex(where: { $0.state == .next }), keys[next].createdAt + self.publishAhead <= now
            {
                Self.retire(&keys[current], at: now)
                Self.activate(&keys[next], at: now)
            }
        } else if let next = keys.firstIndex(where: { $0.state == .next }) {
            // The current key was revoked (or never was): signing cannot wait for publish-ahead.
            Self.activate(&keys[next], at: now)
        } else {
            keys.append(try newKey(.current, now))
        }
        if !keys.contains(where: { $0.state == .next }) {
            keys.append(try newKey(.next, now))
        }
        return keys
    }

    /// The keys after a rotation by hand: the next key signs now, the current one retires, a
    /// new next key is created.
    ///
    /// - Throws: `not_found` when there are no keys yet.
    public func rotate(_ keys: [SigningKeyRecord], at now: NumericDate, newKey: KeyMaker) throws(JWTAuthError) -> [SigningKeyRecord] {
        guard keys.contains(where: { $0.state == .current || $0.state == .next }) else {
            throw JWTAuthError(.notFound, "there are no signing keys to rotate yet")
        }
        var keys = keys
        for index in keys.indices where keys[index].state == .current {
            Self.retire(&keys[index], at: now)
        }
        return try self.advance(keys, at: now, newKey: newKey)
    }

    /// The keys after revoking `keyID`: it leaves the published set at once; if it was current,
    /// next signs now; a new next key is created. Revoking a revoked key changes nothing.
    ///
    /// - Throws: `not_found` when no key has this `kid`.
    public func revoke(_ keyID: String, in keys: [SigningKeyRecord], at now: NumericDate, newKey: KeyMaker) throws(JWTAuthError) -> [SigningKeyRecord] {
        guard let index = keys.firstIndex(where: { $0.keyID == keyID }) else {
            throw JWTAuthError(.notFound, "no signing key has the kid \(keyID)")
        }
        var keys = keys
        if keys[index].state != .revoked {
            keys[index].state = .revoked
            keys[index].revokedAt = now
        }
        return try self.advance(keys, at: now, newKey: newKey)
    }

    /// True when ``advance(_:at:newKey:)`` would change something at `now`.
    public func isDue(_ keys: [SigningKeyRecord], at now: NumericDate) -> Bool {
        let advanced = try? self.advance(keys, at: now) { state, now in
            SigningKeyRecord(keyID: "", algorithm: .es256, state: state, sealedKey: "", createdAt: now)
        }
        return advanced.map { Set($0) != Set(keys) } ?? true
    }

    // MARK: - Views

    /// The keys tokens are verified against and the JWKS publishes: current, next, then the
    /// retired ones still within their retirement period, newest first.
    public func published(_ keys: [SigningKeyRecord], at now: NumericDate) -> [SigningKeyRecord] {
        let order: [SigningKeyRecord.State: Int] = [.current: 0, .next: 1, .retired: 2]
        return keys.filter { order[$0.state] != nil && !self.isForgotten($0, at: now) }
            .sorted { a, b in
                let (left, right) = (order[a.state] ?? 3, order[b.state] ?? 3)
                if left != right { return left < right }
                return ((a.retiredAt ?? a.createdAt), a.keyID) > ((b.retiredAt ?? b.createdAt), b.keyID)
            }
    }

    /// The key that signs: the current one.
    public func signingKey(_ keys: [SigningKeyRecord]) -> SigningKeyRecord? {
        keys.filter { $0.state == .current }.max { ($0.activatedAt ?? $0.createdAt) < ($1.activatedAt ?? $1.createdAt) }
    }

    /// The revoked keys still worth telling verifiers about: `kid` → when it was revoked.
    public func revokedKeys(_ keys: [SigningKeyRecord], at now: NumericDate) -> [String: NumericDate] {
        var revoked: [String: NumericDate] = [:]
        for key in keys where key.state == .revoked && !self.isForgotten(key, at: now) {
            revoked[key.keyID] = key.revokedAt ?? key.createdAt
        }
        return revoked
    }

    // MARK: - Helpers

    /// A retired key past its retirement period, or a revoked key past its revocation period.
    func isForgotten(_ key: SigningKeyRecord, at now: NumericDate) -> Bool {
        switch key.state {
        case .retired: (key.retiredAt ?? key.createdAt) + self.retirementPeriod <= now
        case .revoked: (key.revokedAt ?? key.createdAt) + self.revocationPeriod <= now
        case .current, .next: false
        }
    }

    private static func retire(_ key: inout SigningKeyRecord, at now: NumericDate) {
        key.state = .retired
        key.retiredAt = now
    }

    private static func activate(_ key: inout SigningKeyRecord, at now: NumericDate) {
        key.state = .current
        key.activatedAt = now
    }

    /// Keeps the newest key in `state` and retires the others: a store that somehow holds two
    /// current keys (or two next ones) is brought back to one of each.
    private static func retireDuplicates(of state: SigningKeyRecord.State, in keys: inout [SigningKeyRecord], at now: NumericDate) {
        let indices = keys.indices.filter { keys[$0].state == state }
        guard indices.count > 1 else { return }
        let keep = indices.max { (keys[$0].activatedAt ?? keys[$0].createdAt, keys[$0].keyID) < (keys[$1].activatedAt ?? keys[$1].createdAt, keys[$1].keyID) }
        for index in indices where index != keep {
            Self.retire(&keys[index], at: now)
        }
    }
}
