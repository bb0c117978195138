import JWTAuth
import Logging
import ServiceLifecycle

/// The server's signing keys: from the database (the default: rotated on a schedule, sealed
/// under the key-encryption key) or from a keys directory (`--keys-dir`), and the service that
/// keeps them current while the server runs.
struct ServerKeys: Sendable {
    /// The keys the session engine signs and verifies with, and the JWKS publishes.
    let ring: KeyRing
    /// Follows the keys while the server runs.
    let service: any Service
    /// The database's key lifecycle; nil when keys come from files.
    let lifecycle: SigningKeyService?

    /// Refuses, before anything is opened or created, key settings that cannot work: keys in a
    /// database other than the default SQLite file without a key-encryption key file, and a
    /// rotation schedule that would publish more keys than remote verifiers accept.
    static func checkConfiguration(_ configuration: ServerConfiguration) throws {
        guard !configuration.usesKeyFiles else { return }
        do {
            try configuration.signingKeySchedule.checkPublishedKeyCount()
        } catch {
            throw JWTAuthError(error.code, "--key-rotation (JWTAUTH_KEY_ROTATION): " + error.message)
        }
        _ = try KeyEncryptionKeyFile.location(configuration)
    }

    static func open(
        _ configuration: ServerConfiguration,
        store: any SigningKeyStore,
        clock: any UnixClock,
        metrics: JWTAuthMetrics = JWTAuthMetrics(),
        logger: Logger
    ) async throws -> ServerKeys {
        if let path = configuration.keysDirectory {
            let watcher = try KeyDirectoryWatcher(
                directory: KeyDirectory(path: path, logger: logger),
                algorithm: configuration.algorithm,
                pollInterval: configuration.keysDirectoryPollInterval,
                clock: clock
            )
            return ServerKeys(ring: watcher.ring, service: watcher, lifecycle: nil)
        }
        let encryptionKey = try KeyEncryptionKeyFile.loadOrCreate(configuration, logger: logger)
        let lifecycle = try await SigningKeyService.start(
            store: store,
            encryptionKey: encryptionKey,
            schedule: configuration.signingKeySchedule,
            algorithm: configuration.algorithm,
            importing: try Self.legacyKeys(configuration, encryptionKey: encryptionKey, clock: clock, logger: logger),
            clock: clock,
            pollInterval: configuration.keyPollInterval,
            metrics: metrics,
            logger: logger
        )
        return ServerKeys(ring: lifecycle.ring, service: lifecycle, lifecycle: lifecycle)
    }

    /// The key files of a data directory from before keys lived in the database
    /// (`DATA/keys/signing.jwk` and retired `*.jwk`), sealed for import: `signing.jwk` stays
    /// current and the others retired, so tokens signed with them keep working. They are
    /// imported only into a database without keys.
    static func legacyKeys(
        _ configuration: ServerConfiguration,
        encryptionKey: KeyEncryptionKey,
        clock: any UnixClock,
        logger: Logger
    ) throws -> [SigningKeyRecord] {
        let directory = KeyDirectory(path: configuration.effectiveKeysDirectory, logger: logger)
        guard let files = try directory.existingKeys() else { return [] }
        let now = clock.now
        // A key file without a kid is named by its thumbprint, as new keys are.
        func named(_ key: JWTKey) -> JWTKey { key.keyID == nil ? key.withKeyID(key.thumbprint) : key }
        var records = [try SigningKeyRecord(key: named(files.signing), state: .current, at: now, sealedWith: encryptionKey)]
        for key in files.others {
            let named = named(key)
            guard !records.contains(where: { $0.keyID == named.keyID }) else { continue }
            records.append(try SigningKeyRecord(key: named, state: .retired, at: now, sealedWith: encryptionKey))
        }
        return records
    }
}
