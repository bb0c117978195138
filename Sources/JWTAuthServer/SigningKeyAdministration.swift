public import JWTAuth
import JWTAuthSQL
public import Logging

/// A signing key as `jwtauth keys list` shows it.
public struct SigningKeySummary: Sendable, Hashable {
    /// The key's `kid`.
    public var keyID: String
    /// The algorithm it is bound to.
    public var algorithm: JWSAlgorithm
    /// Where it is in its life (for key files: `signing.jwk` is current, the others retired).
    public var state: SigningKeyRecord.State
    /// When it was created (first published); nil for key files.
    public var createdAt: NumericDate?
    /// When it started signing.
    public var activatedAt: NumericDate?
    /// When it stopped signing.
    public var retiredAt: NumericDate?
    /// When it was revoked.
    public var revokedAt: NumericDate?
    /// The keys directory it comes from, when keys come from files.
    public var directory: String?

    /// How long the key was published before it began to sign; nil when it has not signed, or
    /// the dates are unknown (key files). Shorter than the servers' publish-ahead, remote
    /// verifiers whose cached JWKS predates the key may refuse its first tokens until they
    /// fetch the JWKS again.
    public var publishedBeforeSigning: Duration? {
        guard let created = self.createdAt, let activated = self.activatedAt else { return nil }
        return activated.duration(since: created)
    }

    /// Creates a summary; each parameter sets the property of the same name.
    public init(
        keyID: String,
        algorithm: JWSAlgorithm,
        state: SigningKeyRecord.State,
        createdAt: NumericDate? = nil,
        activatedAt: NumericDate? = nil,
        retiredAt: NumericDate? = nil,
        revokedAt: NumericDate? = nil,
        directory: String? = nil
    ) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.state = state
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.retiredAt = retiredAt
        self.revokedAt = revokedAt
        self.directory = directory
    }

    /// The summary of a stored key.
    public init(_ record: SigningKeyRecord) {
        self.init(
            keyID: record.keyID,
            algorithm: record.algorithm,
            state: record.state,
            createdAt: record.createdAt,
            activatedAt: record.activatedAt,
            retiredAt: record.retiredAt,
            revokedAt: record.revokedAt
        )
    }
}

/// The signing keys of the configured database (`jwtauth keys list`): current first, then next,
/// retired (newest first) and revoked. With a keys directory configured, its files instead.
public func listSigningKeys(configuration: ServerConfiguration, logger: Logger) async throws -> [SigningKeySummary] {
    if let path = configuration.keysDirectory {
        return try fileKeys(path, logger: logger)
    }
    let records = try await ServerStores.withDatabase(configuration, logger: logger) { store in
        try await store.signingKeys()
    }
    let order: [SigningKeyRecord.State: Int] = [.current: 0, .next: 1, .retired: 2, .revoked: 3]
    return records.sorted { a, b in
        let (left, right) = (order[a.state] ?? 4, order[b.state] ?? 4)
        if left != right { return left < right }
        return (a.retiredAt ?? a.revokedAt ?? a.createdAt, a.keyID) > (b.retiredAt ?? b.revokedAt ?? b.createdAt, b.keyID)
    }.map(SigningKeySummary.init)
}

/// Rotates the database's signing keys now (`jwtauth keys rotate`): the next key signs, the
/// current one retires, a new next key is made. Running servers follow within their poll
/// interval (about a second).
///
/// - Returns: The key that signs now.
/// - Throws: `invalid_input` when keys come from files, or when the database is not the
///   default SQLite file and no key-encryption key file is configured; `not_found` when the
///   database holds no keys yet (a server creates them, or imports key files, on its first
///   start); `key_invalid` when the key-encryption key is missing or not the one the keys were
///   sealed under.
public func rotateSigningKey(configuration: ServerConfiguration, clock: any UnixClock = SystemClock(), logger: Logger) async throws -> SigningKeySummary {
    try refuseKeyFiles(configuration, "rotate")
    let now = clock.now
    let records = try await withKeyOperations(configuration, logger: logger) { operations in
        try await operations.rotate(at: now)
    } audit: { records in
        records.first(where: { $0.state == .current }).map { AuditEvent(time: now, kind: .keyRotated, keyID: $0.keyID) }
    }
    guard let current = records.first(where: { $0.state == .current }) else {
        throw JWTAuthError(.keyInvalid, "no key signs after the rotation")
    }
    return SigningKeySummary(current)
}

/// Revokes a signing key of the database (`jwtauth keys revoke`): it leaves the JWKS of every
/// running server within its poll interval, and the tokens it signed are refused; if it was
/// current, the next key signs now and a new next key is made.
///
/// - Returns: The revoked key.
/// - Throws: `not_found` for an unknown `kid`; `invalid_input` when keys come from files, or
///   when the database is not the default SQLite file and no key-encryption key file is
///   configured; `key_invalid` for a missing or wrong key-encryption key.
public func revokeSigningKey(
    _ keyID: String,
    configuration: ServerConfiguration,
    clock: any UnixClock = SystemClock(),
    logger: Logger
) async throws -> SigningKeySummary {
    try refuseKeyFiles(configuration, "revoke")
    let now = clock.now
    let records = try await withKeyOperations(configuration, logger: logger) { operations in
        try await operations.revoke(keyID, at: now)
    } audit: { records in
        records.contains(where: { $0.keyID == keyID }) ? AuditEvent(time: now, kind: .keyRevoked, keyID: keyID) : nil
    }
    guard let revoked = records.first(where: { $0.keyID == keyID }) else {
        throw JWTAuthError(.notFound, "no signing key has the kid \(keyID)")
    }
    return SigningKeySummary(revoked)
}

private func refuseKeyFiles(_ configuration: ServerConfiguration, _ verb: String) throws {
    guard let path = configuration.keysDirectory else { return }
    throw JWTAuthError(
        .invalidInput,
        "keys come from files in \(path) (--keys-dir), not the database: to \(verb), change the files "
            + "(signing.jwk signs, other *.jwk files are published); running servers reload them within seconds"
    )
}

private func fileKeys(_ path: String, logger: Logger) throws -> [SigningKeySummary] {
    guard let files = try KeyDirectory(path: path, logger: logger).existingKeys() else { return [] }
    return ([(files.signing, SigningKeyRecord.State.current)] + files.others.map { ($0, SigningKeyRecord.State.retired) }).map { key, state in
        SigningKeySummary(keyID: key.keyID ?? key.thumbprint, algorithm: key.algorithm, state: state, directory: path)
    }
}

/// Runs a move against the database's keys. The CLI neither rotates on a schedule nor forgets
/// keys (the servers' schedule decides that, from lifetimes the CLI does not know), and never
/// creates a key-encryption key: one it made up would seal keys no server can open. The
/// audit event `audit` makes of the result is written before the database closes.
private func withKeyOperations(
    _ configuration: ServerConfiguration,
    logger: Logger,
    _ body: (SigningKeyOperations) async throws -> [SigningKeyRecord],
    audit: ([SigningKeyRecord]) -> AuditEvent?
) async throws -> [SigningKeyRecord] {
    // A database that needs a configured key-encryption key is refused before it is opened.
    _ = try KeyEncryptionKeyFile.location(configuration)
    return try await ServerStores.withDatabase(configuration, logger: logger) { store in
        guard try await !store.signingKeys().isEmpty else {
            throw JWTAuthError(.notFound, "the database holds no signing keys yet: start the server once, it creates them (or imports DATA/keys)")
        }
        let encryptionKey = try KeyEncryptionKeyFile.load(configuration, logger: logger)
        let never = Duration.seconds(100 * 365 * 86400)
        let schedule = SigningKeySchedule(rotationInterval: .zero, publishAhead: .zero, retirementPeriod: never, revocationPeriod: never)
        let records = try await body(SigningKeyOperations(store: store, schedule: schedule, encryptionKey: encryptionKey, algorithm: nil))
        if let event = audit(records) { try await store.appendAuditEvents([event]) }
        return records
    }
}
