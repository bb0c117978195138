import JWTAuth
import Logging
import ServiceLifecycle
import Synchronization

/// Keys from a keys directory (`--keys-dir`), reloaded when its files change: the directory is
/// checked every couple of seconds (names, inodes, sizes and modification times of the `*.jwk`
/// files) and the ring is replaced when a new set loads. A set that does not load — a file
/// half written, `signing.jwk` moved away and not yet replaced — leaves the keys in use as
/// they are; it is tried again when the files change again.
final class KeyDirectoryWatcher: Service, Sendable {
    let ring: KeyRing
    let directory: KeyDirectory
    let pollInterval: Duration
    private let reloads: ReloadLimiter
    private let fingerprint: Mutex<String>

    /// Loads the directory (creating the signing key when it has none, as on every start).
    init(directory: KeyDirectory, algorithm: JWSAlgorithm?, pollInterval: Duration, clock: any UnixClock) throws {
        let keys = try directory.loadOrCreate(algorithm: algorithm)
        self.directory = directory
        self.pollInterval = pollInterval
        self.ring = try KeyRing(signingKey: keys.signing, verificationKeys: keys.verification)
        self.fingerprint = Mutex(directory.fingerprint())
        self.reloads = ReloadLimiter(clock: clock)
        self.ring.setUnknownKeyHandler { [weak self] in
            guard let self else { return }
            await self.reloads.reload { self.reload() }
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.pollInterval) }
            } catch {
                return
            }
            self.reload()
        }
    }

    /// Reloads the files if they changed since the last load (or the last failed attempt).
    func reload() {
        let logger = self.directory.logger
        self.fingerprint.withLock { fingerprint in
            let current = self.directory.fingerprint()
            guard current != fingerprint else { return }
            fingerprint = current
            do {
                guard let files = try self.directory.existingKeys() else {
                    logger.warning("signing.jwk is missing from the keys directory; keeping the keys loaded", metadata: ["path": "\(self.directory.path)"])
                    return
                }
                let keys = try KeyDirectory.keys(files)
                try self.ring.replace(signingKey: keys.signing, verificationKeys: keys.verification)
                logger.info(
                    "signing keys reloaded from the keys directory",
                    metadata: ["kid": "\(keys.signing.keyID ?? "")", "published": "\(keys.verification.keys.count)"]
                )
            } catch {
                logger.warning("the keys directory does not load; keeping the keys loaded", metadata: ["path": "\(self.directory.path)", "error": "\(error)"])
            }
        }
    }
}
