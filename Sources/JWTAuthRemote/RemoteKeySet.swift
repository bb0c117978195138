import AsyncHTTPClient
public import JWTAuth
public import Logging
import NIOHTTP1
public import ServiceLifecycle
import Synchronization

/// An issuer's public keys, fetched from its JWKS and kept current: for services that verify
/// the issuer's tokens without sharing its store.
///
/// The set is a ServiceLifecycle `Service`; run it (in a `ServiceGroup`, or among a Hummingbird
/// `Application`'s services) and verify against ``keyRing`` — ``RemoteAccessTokenVerifier``
/// does both. While it runs it:
///
/// - finds the JWKS URL in the issuer's RFC 8414 metadata (whose `issuer` must be exactly the
///   configured one), unless the URL is configured;
/// - fetches the set, and again when it expires: `Cache-Control: max-age` (less `Age`) clamped
///   to 30 s…24 h, 10 min without one, 30 s for `no-store`/`no-cache`; with `If-None-Match`,
///   so an unchanged set costs a 304;
/// - fetches at once when a token names a `kid` the set lacks (``refreshForUnknownKey()``),
///   then at most once per cooldown however many tokens miss; concurrent misses share one
///   fetch and wait for it, and tokens whose key is known never wait;
/// - keeps serving the last good set when the issuer cannot be reached, for up to the maximum
///   stale age after the last success, retrying with a backoff of at most 10 s; after that, and
///   before the first success, verification fails closed with `keys_unavailable`.
///
/// Every URL must be `https`, or `http` to a loopback host; redirects are never followed;
/// answers are capped (256 KiB) and timed out (5 s). A set that does not parse, holds an HMAC
/// secret or a private key, or has no usable signature key never replaces a good one; keys of
/// a type this library cannot use are skipped (``RemoteKeySetStatus/skippedKeys``).
///
/// A key the revocation feed revokes (``revokeKey(_:at:)``) leaves the ring at once and stays
/// out while the revocation matters, even when a fetched set (from a cache or a CDN) still
/// lists it.
public final class RemoteKeySet: Service, Sendable {
    /// What the set was configured with.
    public let configuration: RemoteKeySetConfiguration
    /// The ring tokens are verified against: verification keys only, replaced as the issuer's
    /// set changes. Its unknown-key handler is ``refreshForUnknownKey()``.
    public let keyRing: KeyRing

    private struct State: @unchecked Sendable {
        // `@unchecked`: HTTPClient is thread-safe, and the state only moves under the mutex.
        var client: HTTPClient?
        var discoveredJWKSURL: RemoteURL?
        var good: GoodSet?
        var lastSuccess: NumericDate?
        var expiresAt: NumericDate?
        var lastError: String?
        var lastErrorAt: NumericDate?
        var consecutiveFailures = 0
        var inFlight: Task<Bool, Never>?
        var lastUnknownKeyFetch: NumericDate?
        /// Revoked `kid` → refused until.
        var revoked: [String: NumericDate] = [:]
        /// True while the ring holds no keys because the last good set grew too old.
        var droppedAsStale = false
    }

    /// The last set the issuer gave and we accepted.
    private struct GoodSet: Sendable {
        var keys: [JWTKey]
        var body: [UInt8]
        var entityTag: String?
        var skipped: [String]
    }

    /// What one fetch brought.
    private enum Outcome: Sendable {
        case fetched(GoodSet, CacheLifetime)
        case notModified(CacheLifetime)
    }

    private let state = Mutex(State())
    private let issuerURL: RemoteURL?
    private let configuredJWKSURL: RemoteURL?
    private let clock: any UnixClock
    private let logger: Logger
    private let emptySet: JWTKeySet

    /// Creates a key set; nothing is fetched until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: The issuer or the JWKS URL, and the cache rules.
    ///   - clock: Where "now" comes from for expiry, the cooldown and the stale age.
    ///   - logger: Where fetch failures and recoveries are logged.
    /// - Throws: `invalid_input` when the issuer or JWKS URL is missing or breaks the URL rules.
    public init(
        configuration: RemoteKeySetConfiguration,
        clock: any UnixClock = SystemClock(),
        logger: Logger = Logger(label: "jwtauth.remote.keys")
    ) throws(JWTAuthError) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        if let jwksURL = configuration.jwksURL {
            self.configuredJWKSURL = try RemoteURL(jwksURL, purpose: "the JWKS URL")
            self.issuerURL = nil
        } else if let issuer = configuration.issuer {
            let issuerURL = try RemoteURL(issuer, purpose: "the issuer")
            _ = try IssuerMetadata.metadataURL(issuer: issuerURL)
            self.issuerURL = issuerURL
            self.configuredJWKSURL = nil
        } else {
            throw JWTAuthError(.invalidInput, "a remote key set needs an issuer or a JWKS URL")
        }
        self.emptySet = try JWTKeySet([])
        self.keyRing = try KeyRing(verificationKeys: self.emptySet)
        self.keyRing.setUnknownKeyHandler { [weak self] in
            _ = await self?.refreshForUnknownKey()
        }
    }

    // MARK: - Verification support

    /// Throws when tokens cannot be verified now: no set was fetched yet, or the last good one
    /// is older than the maximum stale age.
    ///
    /// - Throws: `keys_unavailable` (a verifier answers 503, not 401).
    public func checkUsable() throws(JWTAuthError) {
        let now = self.clock.now
        let reason = self.state.withLock { self.unusableReason($0, now: now) }
        if let reason { throw JWTAuthError(.keysUnavailable, reason) }
    }

    /// Fetches the set now because a token named a `kid` the ring does not hold: at most once
    /// per cooldown; a fetch already under way is joined instead. Returns at once when the
    /// cooldown forbids a fetch or the service is not running.
    ///
    /// - Returns: True when the ring changed meanwhile (the token is worth verifying again).
    @discardableResult
    public func refreshForUnknownKey() async -> Bool {
        let before = self.keyRing.generation
        let now = self.clock.now
        let task: Task<Bool, Never>? = self.state.withLock { state in
            guard state.client != nil else { return nil }
            if let running = state.inFlight { return running }
            if let last = state.lastUnknownKeyFetch, now < last + self.configuration.unknownKeyCooldown { return nil }
            state.lastUnknownKeyFetch = now
            return self.startFetch(&state)
        }
        guard let task else { return false }
        _ = await task.value
        return self.keyRing.generation != before
    }

    /// Fetches the set now (or joins a fetch under way), whatever its expiry.
    ///
    /// - Throws: `keys_unavailable` with the reason when the fetch failed (the last good set
    ///   stays), or when the service is not running.
    public func refresh() async throws(JWTAuthError) {
        let task: Task<Bool, Never>? = self.state.withLock { state in
            guard state.client != nil else { return nil }
            return state.inFlight ?? self.startFetch(&state)
        }
        guard let task else { throw JWTAuthError(.keysUnavailable, "the remote key set is not running") }
        guard await task.value else {
            throw JWTAuthError(.keysUnavailable, self.state.withLock { $0.lastError } ?? "the key set could not be fetched")
        }
    }

    /// Refuses the key `keyID` from now on: it leaves the ring at once, and a fetched set that
    /// still lists it does not bring it back for ``RemoteKeySetConfiguration/revokedKeyRetention``
    /// (renewed each time the revocation is heard again).
    ///
    /// - Parameters:
    ///   - keyID: The `kid` of the compromised key.
    ///   - revokedAt: When the issuer revoked it (recorded for the log).
    public func revokeKey(_ keyID: String, at revokedAt: NumericDate) {
        let until = self.clock.now + self.configuration.revokedKeyRetention
        let isNew = self.state.withLock { state in
            let isNew = state.revoked[keyID] == nil
            state.revoked[keyID] = max(state.revoked[keyID] ?? until, until)
            if isNew { self.installRing(state) }
            return isNew
        }
        if isNew {
            self.logger.warning("signing key revoked by the issuer; its tokens are refused", metadata: ["kid": "\(keyID)", "revoked_at": "\(revokedAt)"])
        }
    }

    /// The set's state, for a health route.
    public var status: RemoteKeySetStatus {
        let now = self.clock.now
        let ring = self.keyRing.verificationKeys
        return self.state.withLock { state in
            let reason = self.unusableReason(state, now: now) ?? (ring.keys.isEmpty ? "the issuer's key set holds no usable key" : nil)
            return RemoteKeySetStatus(
                hasUsableKeys: reason == nil,
                unusableReason: reason,
                keyIDs: ring.keys.compactMap(\.keyID),
                revokedKeyIDs: state.revoked.filter { $0.value > now }.keys.sorted(),
                lastSuccess: state.lastSuccess,
                expiresAt: state.expiresAt,
                lastError: state.lastError,
                lastErrorAt: state.lastErrorAt,
                skippedKeys: state.good?.skipped ?? []
            )
        }
    }

    // MARK: - Service

    /// Fetches the set, fetches it again whenever it expires, retries failures with a backoff of
    /// at most ``RemoteKeySetConfiguration/maximumRetryDelay``, and returns on graceful shutdown
    /// (or cancellation). Run it once.
    public func run() async throws {
        let configuration = RemoteHTTP.clientConfiguration(connectTimeout: self.configuration.fetchTimeout)
        try await HTTPClient.withHTTPClient(configuration: configuration) { client in
            self.state.withLock { $0.client = client }
            await self.followIssuer()
            let pending = self.state.withLock { state in
                state.client = nil
                return state.inFlight
            }
            pending?.cancel()
            _ = await pending?.value
        }
    }

    private func followIssuer() async {
        let backoff = RetryBackoff(initial: self.configuration.initialRetryDelay, maximum: self.configuration.maximumRetryDelay)
        var retryAt: ContinuousClock.Instant? = nil
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = self.clock.now
            let expired = self.state.withLock { state in state.expiresAt.map { now >= $0 } ?? true }
            if expired, retryAt.map({ ContinuousClock.now >= $0 }) ?? true {
                let task = self.state.withLock { state in state.inFlight ?? self.startFetch(&state) }
                if await task.value {
                    retryAt = nil
                } else {
                    let failures = self.state.withLock { $0.consecutiveFailures }
                    retryAt = ContinuousClock.now + backoff.delay(attempt: failures)
                }
            }
            self.dropIfTooStale()
            let pause =
                retryAt.map { max(.zero, min(self.configuration.checkInterval, $0 - ContinuousClock.now)) }
                ?? self.configuration.checkInterval
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return
            }
        }
    }

    // MARK: - Fetching

    /// Starts the one fetch; called under the lock, with no fetch in flight.
    private func startFetch(_ state: inout State) -> Task<Bool, Never> {
        let task = Task { await self.fetchAndApply() }
        state.inFlight = task
        return task
    }

    /// One fetch, its result applied; true on success.
    private func fetchAndApply() async -> Bool {
        let result: Result<Outcome, JWTAuthError>
        do {
            result = .success(try await self.fetch())
        } catch {
            result = .failure(error)
        }
        let now = self.clock.now
        let recovered: Bool = self.state.withLock { state in
            defer { state.inFlight = nil }
            switch result {
            case .success(let outcome):
                let recovered = state.lastError != nil
                var changed = state.droppedAsStale
                switch outcome {
                case .fetched(let set, let lifetime):
                    changed = changed || state.good?.body != set.body
                    state.good = set
                    state.expiresAt = now + lifetime.duration
                case .notModified(let lifetime):
                    state.expiresAt = now + lifetime.duration
                }
                state.lastSuccess = now
                state.lastError = nil
                state.lastErrorAt = nil
                state.consecutiveFailures = 0
                state.droppedAsStale = false
                if changed { self.installRing(state) }
                return recovered
            case .failure(let error):
                if state.consecutiveFailures == 0 {
                    self.logger.warning("cannot fetch the issuer's keys; serving the last good set", metadata: ["error": "\(error.message)"])
                }
                state.lastError = error.message
                state.lastErrorAt = now
                state.consecutiveFailures += 1
                // The JWKS may have moved: look in the metadata again next time.
                state.discoveredJWKSURL = nil
                return false
            }
        }
        if recovered { self.logger.info("the issuer's keys are reachable again") }
        if case .failure = result { return false }
        return true
    }

    /// Fetches the set (discovering its URL first when needed).
    private func fetch() async throws(JWTAuthError) -> Outcome {
        let (client, discovered, entityTag) = self.state.withLock { ($0.client, $0.discoveredJWKSURL, $0.good?.entityTag) }
        guard let client else { throw JWTAuthError(.keysUnavailable, "the remote key set is not running") }
        let url: RemoteURL
        if let configured = self.configuredJWKSURL {
            url = configured
        } else if let discovered {
            url = discovered
        } else if let issuer = self.issuerURL {
            let metadata = try await IssuerMetadata.fetch(
                issuer: issuer,
                client: client,
                timeout: self.configuration.fetchTimeout,
                maximumBytes: self.configuration.maximumResponseBytes,
                failure: .keysUnavailable
            )
            guard let jwksURL = metadata.jwksURL else {
                throw JWTAuthError(.keysUnavailable, "the issuer's metadata has no jwks_uri")
            }
            url = jwksURL
            self.state.withLock { $0.discoveredJWKSURL = jwksURL }
        } else {
            throw JWTAuthError(.keysUnavailable, "no JWKS URL")
        }

        var request = HTTPClientRequest(url: url.string)
        request.headers.add(name: "Accept", value: "application/jwk-set+json, application/json")
        if let entityTag { request.headers.add(name: "If-None-Match", value: entityTag) }
        let answer = try await RemoteHTTP.fetch(
            request,
            client: client,
            timeout: self.configuration.fetchTimeout,
            maximumBytes: self.configuration.maximumResponseBytes,
            what: "the JWKS (\(url))",
            failure: .keysUnavailable
        )
        let lifetime = CacheLifetime(
            headers: answer.headers,
            defaultLifetime: self.configuration.defaultCacheLifetime,
            minimum: RemoteKeySetConfiguration.minimumCacheLifetime,
            maximum: RemoteKeySetConfiguration.maximumCacheLifetime
        )
        switch answer.status {
        case 200:
            let (keys, skipped) = try Self.readKeys(answer.body)
            return .fetched(GoodSet(keys: keys, body: answer.body, entityTag: answer.headers.first("etag"), skipped: skipped), lifetime)
        case 304 where entityTag != nil:
            return .notModified(lifetime)
        default:
            throw JWTAuthError(.keysUnavailable, "the JWKS (\(url)) answered HTTP \(answer.status)")
        }
    }

    /// The verification keys of a fetched JWKS, and the keys skipped with why.
    ///
    /// - Throws: `keys_unavailable` when the document is not a JWKS, when it holds an HMAC
    ///   secret or a private key (a JWKS is public: either means the issuer leaks secrets), when
    ///   two keys share a `kid`, or when no usable signature key is left.
    static func readKeys(_ body: [UInt8]) throws(JWTAuthError) -> (keys: [JWTKey], skipped: [String]) {
        let document: JSONValue
        do {
            document = try JSONValue(parsingBytes: body)
        } catch {
            throw JWTAuthError(.keysUnavailable, "the JWKS is not valid JSON: \(error.message)")
        }
        guard let entries = document.objectValue?["keys"]?.arrayValue else {
            throw JWTAuthError(.keysUnavailable, "the JWKS is not an object with a \"keys\" array")
        }
        var keys: [JWTKey] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            guard let members = entry.objectValue else {
                throw JWTAuthError(.keysUnavailable, "JWKS entry \(index) is not an object")
            }
            let name = members["kid"]?.stringValue.map { "kid \($0)" } ?? "entry \(index)"
            if members["kty"]?.stringValue == "oct" {
                throw JWTAuthError(.keysUnavailable, "the JWKS publishes an HMAC secret (\(name))")
            }
            if members["d"] != nil || members["p"] != nil {
                throw JWTAuthError(.keysUnavailable, "the JWKS publishes a private key (\(name))")
            }
            // Encryption keys are another family's business, not a fault of the set.
            if members["use"]?.stringValue == "enc" { continue }
            let key: JWTKey
            do {
                key = try JWTKey(jwkMembers: members)
            } catch {
                skipped.append("\(name): \(error.message)")
                continue
            }
            guard key.canVerify, let publicKey = key.publicKey else { continue }
            keys.append(publicKey)
        }
        do {
            _ = try JWTKeySet(keys)
        } catch {
            throw JWTAuthError(.keysUnavailable, "the JWKS is ambiguous: \(error.message)")
        }
        guard !keys.isEmpty else {
            throw JWTAuthError(
                .keysUnavailable,
                "the JWKS holds no usable signature key" + (skipped.isEmpty ? "" : " (skipped: \(skipped.joined(separator: "; ")))")
            )
        }
        return (keys, skipped)
    }

    // MARK: - The ring

    /// Puts the last good set, less revoked and stale keys, into the ring. Under the lock.
    private func installRing(_ state: State) {
        let now = self.clock.now
        guard let good = state.good, !state.droppedAsStale else {
            self.keyRing.replace(verificationKeys: self.emptySet)
            return
        }
        let keys = good.keys.filter { key in
            guard let keyID = key.keyID, let until = state.revoked[keyID] else { return true }
            return until <= now
        }
        do {
            self.keyRing.replace(verificationKeys: try JWTKeySet(keys))
        } catch {
            // A subset of a set that was valid is valid; refuse everything if it is not.
            self.keyRing.replace(verificationKeys: self.emptySet)
        }
    }

    /// Empties the ring once the last good set is older than the maximum stale age, so that
    /// nothing verifies against it even through a bare `JWTVerifier` on ``keyRing``.
    private func dropIfTooStale() {
        let now = self.clock.now
        let dropped = self.state.withLock { state -> Bool in
            state.revoked = state.revoked.filter { $0.value > now }
            guard !state.droppedAsStale, let lastSuccess = state.lastSuccess,
                now.duration(since: lastSuccess) > self.configuration.maximumStaleAge
            else { return false }
            state.droppedAsStale = true
            self.installRing(state)
            return true
        }
        if dropped {
            self.logger.error("the issuer's keys could not be fetched for longer than the maximum stale age; every token is refused until they can")
        }
    }

    private func unusableReason(_ state: State, now: NumericDate) -> String? {
        guard let lastSuccess = state.lastSuccess else {
            return "the issuer's keys have not been fetched yet"
        }
        if state.droppedAsStale || now.duration(since: lastSuccess) > self.configuration.maximumStaleAge {
            return "the issuer's keys could not be fetched for longer than the maximum stale age"
        }
        return nil
    }
}
