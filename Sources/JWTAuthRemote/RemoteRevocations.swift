import AsyncHTTPClient
public import JWTAuth
public import Logging
import NIOCore
import NIOHTTP1
public import ServiceLifecycle
import Synchronization

/// Follows an issuer's revocation feed (`GET /oauth/revocations`, Server-Sent Events), so a
/// service that verifies the issuer's tokens without sharing its store refuses a revoked token
/// within milliseconds of the revocation instead of accepting it until it expires.
///
/// A ServiceLifecycle `Service`. While it runs it:
///
/// - gets an access token by the client-credentials grant (HTTP Basic, scope
///   `revocations:read`) and renews it before it expires;
/// - opens the feed, applies `session-revoked` and `user-revoked` to ``cache`` and
///   `key-revoked` to the ``RemoteKeySet``, and resumes after any disconnect with
///   `Last-Event-ID`, reconnecting with a backoff of at most 10 s;
/// - reports itself stale — and ``RemoteAccessTokenVerifier`` then refuses every token with
///   `revocations_stale` (a 503, not a 401) — until the feed's first `ready`, and whenever it
///   has heard nothing, not even a heartbeat, for the stale limit (default 60 s). A stale
///   limit of zero turns this off, and revoked tokens then live until they expire whenever
///   the feed is down.
///
/// The wire format is documented in the repository's `docs/REVOCATION-FEED.md`.
public final class RemoteRevocations: Service, Sendable {
    /// What the reader was configured with.
    public let configuration: RemoteRevocationsConfiguration
    /// The revoked sessions and users, each kept for ``RemoteRevocationsConfiguration/retention``.
    public let cache: RevocationCache
    /// Where key revocations go.
    public let keySet: RemoteKeySet

    private struct State: Sendable {
        var cursor: String?
        /// When a caught-up connection was last heard from.
        var lastFresh: NumericDate?
        /// When the open connection was last heard from (caught up or not).
        var lastHeardOnConnection: NumericDate?
        var isConnected = false
        var hasCaughtUp = false
        var lastError: String?
        var lastErrorAt: NumericDate?
        var connections = 0
        var grant: ClientCredentialsGrant?
        var endpoints: Endpoints?
    }

    private struct Endpoints: Sendable {
        var token: RemoteURL
        var feed: RemoteURL
    }

    /// Why a connection ended without an error.
    private enum ConnectionEnd: Sendable {
        /// The issuer closed the stream; `caughtUp` when it had sent `ready`.
        case closed(caughtUp: Bool)
        /// The token was renewed: open the feed again with it.
        case renewed
        /// Silence for longer than ``RemoteRevocationsConfiguration/reconnectAfterSilence``.
        case silent
        /// Graceful shutdown.
        case shutdown
    }

    private let state = Mutex(State())
    private let issuerURL: RemoteURL
    private let configuredTokenEndpoint: RemoteURL?
    private let configuredFeedEndpoint: RemoteURL?
    private let clock: any UnixClock
    private let logger: Logger

    /// Creates a reader; nothing is fetched until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: The issuer, the client credentials and the limits.
    ///   - keySet: The key set that `key-revoked` events revoke keys of.
    ///   - clock: Where "now" comes from for staleness and token renewal.
    ///   - logger: Where connections, failures and the stale state are logged (never a token
    ///     or the secret).
    /// - Throws: `invalid_input` when a URL breaks the rules (https, or http to loopback only).
    public init(
        configuration: RemoteRevocationsConfiguration,
        keySet: RemoteKeySet,
        clock: any UnixClock = SystemClock(),
        logger: Logger = Logger(label: "jwtauth.remote.revocations")
    ) throws(JWTAuthError) {
        self.configuration = configuration
        self.keySet = keySet
        self.clock = clock
        self.logger = logger
        self.cache = RevocationCache(retention: configuration.retention)
        self.issuerURL = try RemoteURL(configuration.issuer, purpose: "the issuer")
        _ = try IssuerMetadata.metadataURL(issuer: self.issuerURL)
        self.configuredTokenEndpoint = try configuration.tokenEndpoint.map { (url) throws(JWTAuthError) in
            try RemoteURL(url, purpose: "the token endpoint")
        }
        self.configuredFeedEndpoint = try configuration.feedEndpoint.map { (url) throws(JWTAuthError) in
            try RemoteURL(url, purpose: "the revocation feed")
        }
        guard !configuration.clientID.isEmpty, !configuration.clientSecret.isEmpty else {
            throw JWTAuthError(.invalidInput, "the revocation feed needs a client id and a client secret")
        }
    }

    // MARK: - Verification support

    /// True when verifiers must refuse tokens because the reader cannot vouch for its view.
    public var isStale: Bool { self.staleReason(now: self.clock.now) != nil }

    /// Throws when the reader's view cannot be trusted now.
    ///
    /// - Throws: `revocations_stale` (a verifier answers 503, not 401).
    public func checkFresh() throws(JWTAuthError) {
        if let reason = self.staleReason(now: self.clock.now) {
            throw JWTAuthError(.revocationsStale, reason)
        }
    }

    /// True when a token of this session and subject, issued at `issuedAt`, was revoked.
    public func isRevoked(_ token: AccessToken) -> Bool {
        self.cache.isRevoked(
            sessionID: token.sessionID,
            userID: token.userID,
            issuedAt: token.token.claims.issuedAt,
            now: self.clock.now
        )
    }

    /// The reader's state, for a health route.
    public var status: RemoteRevocationsStatus {
        let now = self.clock.now
        let reason = self.staleReason(now: now)
        return self.state.withLock { state in
            RemoteRevocationsStatus(
                isStale: reason != nil,
                staleReason: reason,
                isConnected: state.isConnected,
                hasCaughtUp: state.isConnected && state.hasCaughtUp,
                lastHeard: state.lastFresh,
                cursor: state.cursor,
                lastError: state.lastError,
                lastErrorAt: state.lastErrorAt,
                connections: state.connections,
                staleLimit: self.configuration.staleLimit
            )
        }
    }

    private func staleReason(now: NumericDate) -> String? {
        let limit = self.configuration.staleLimit
        guard limit > .zero else { return nil }
        guard let lastFresh = self.state.withLock({ $0.lastFresh }) else {
            return "the revocation feed has not caught up since the start"
        }
        guard now.duration(since: lastFresh) <= limit else {
            return "the revocation feed has been silent for more than \(RemoteHTTP.describe(limit))"
        }
        return nil
    }

    // MARK: - Service

    /// Follows the feed until graceful shutdown (or cancellation). Run it once.
    public func run() async throws {
        if self.configuration.staleLimit <= .zero {
            self.logger.warning(
                "revocation stale limit is 0: while the revocation feed is down, revoked access tokens are accepted until they expire"
            )
        }
        let backoff = RetryBackoff(initial: self.configuration.initialRetryDelay, maximum: self.configuration.maximumRetryDelay)
        let configuration = RemoteHTTP.clientConfiguration(connectTimeout: self.configuration.requestTimeout)
        try await HTTPClient.withHTTPClient(configuration: configuration) { client in
            var failures = 0
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let delay: Duration
                do {
                    switch try await self.follow(client) {
                    case .shutdown:
                        return
                    case .renewed:
                        failures = 0
                        delay = .zero
                    case .closed(caughtUp: true):
                        failures = 0
                        delay = backoff.delay(attempt: 1)
                    case .closed(caughtUp: false):
                        failures += 1
                        self.record(error: "the revocation feed closed before it caught up")
                        delay = backoff.delay(attempt: failures)
                    case .silent:
                        failures += 1
                        self.record(
                            error: "the revocation feed was silent for more than \(RemoteHTTP.describe(self.configuration.reconnectAfterSilence)); reconnecting"
                        )
                        delay = backoff.delay(attempt: failures)
                    }
                } catch {
                    if Task.isShuttingDownGracefully || Task.isCancelled { return }
                    failures += 1
                    self.record(error: Self.message(error))
                    // Endpoints may have moved, and a refused token is no use: start afresh.
                    self.state.withLock { state in
                        state.endpoints = nil
                        if let error = error as? JWTAuthError, error.code == .invalidClient { state.grant = nil }
                    }
                    delay = backoff.delay(attempt: failures)
                }
                self.state.withLock { state in
                    state.isConnected = false
                    state.hasCaughtUp = false
                }
                guard delay > .zero else { continue }
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                } catch {
                    return
                }
            }
        }
    }

    /// One connection, from the token to the end of the stream.
    private func follow(_ client: HTTPClient) async throws -> ConnectionEnd {
        let endpoints = try await self.endpoints(client)
        let grant = try await self.grant(client, endpoint: endpoints.token)
        var request = HTTPClientRequest(url: endpoints.feed.string)
        request.headers.add(name: "Authorization", value: "Bearer " + grant.accessToken)
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Cache-Control", value: "no-cache")
        if let cursor = self.state.withLock({ $0.cursor }), !cursor.isEmpty {
            request.headers.add(name: "Last-Event-ID", value: cursor)
        }
        let timeout = self.configuration.requestTimeout
        let feedRequest = request
        let response: HTTPClientResponse
        do {
            response = try await RemoteHTTP.withTimeout(timeout) { try await client.execute(feedRequest, timeout: timeout.timeAmount) }
        } catch is RemoteHTTP.TimedOut {
            throw JWTAuthError(.revocationsStale, "the revocation feed (\(endpoints.feed)) did not answer within \(RemoteHTTP.describe(timeout))")
        } catch {
            throw JWTAuthError(.revocationsStale, "the revocation feed (\(endpoints.feed)) could not be reached: \(RemoteHTTP.describe(error))")
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            let challenge = response.headers.first("www-authenticate").flatMap(Self.challengeError)
            let detail = "the revocation feed (\(endpoints.feed)) answered HTTP \(status)" + (challenge.map { " \($0)" } ?? "")
            if status == 401 || status == 403 {
                // A token refused (expired early, the client removed, the scope missing): the
                // next attempt asks for a new one.
                self.state.withLock { $0.grant = nil }
                throw JWTAuthError(.invalidClient, detail)
            }
            throw JWTAuthError(.revocationsStale, detail)
        }
        let contentType = response.headers.first("content-type")?.lowercased() ?? ""
        guard contentType.hasPrefix("text/event-stream") else {
            throw JWTAuthError(
                .revocationsStale,
                "the revocation feed answered \(contentType.isEmpty ? "without a content type" : contentType), not text/event-stream"
            )
        }

        let connectedAt = self.clock.now
        self.state.withLock { state in
            state.isConnected = true
            state.hasCaughtUp = false
            state.lastHeardOnConnection = connectedAt
            state.connections += 1
        }
        self.logger.debug("revocation feed connected")

        return try await withThrowingTaskGroup(of: ConnectionEnd.self) { group in
            group.addTask { try await self.read(response.body) }
            group.addTask { await self.watch(client, endpoint: endpoints.token) }
            defer { group.cancelAll() }
            guard let end = try await group.next() else { return .shutdown }
            return end
        }
    }

    /// Reads the stream until it ends, applying what it says.
    private func read(_ body: HTTPClientResponse.Body) async throws -> ConnectionEnd {
        var parser = ServerSentEventParser(
            maximumLineBytes: self.configuration.maximumLineBytes,
            maximumEventBytes: self.configuration.maximumEventBytes
        )
        for try await buffer in body {
            for message in try parser.parse(buffer.readableBytesView) {
                try self.handle(message)
            }
        }
        return .closed(caughtUp: self.state.withLock { $0.hasCaughtUp })
    }

    /// Renews the token before it expires, and gives up on a connection that went silent.
    private func watch(_ client: HTTPClient, endpoint: RemoteURL) async -> ConnectionEnd {
        let backoff = RetryBackoff(initial: self.configuration.initialRetryDelay, maximum: self.configuration.maximumRetryDelay)
        var renewalFailures = 0
        var nextRenewal = ContinuousClock.now
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.checkInterval) }
            } catch {
                return .shutdown
            }
            let now = self.clock.now
            let (lastHeard, renewAt) = self.state.withLock { ($0.lastHeardOnConnection, $0.grant?.renewAt) }
            if let lastHeard, now.duration(since: lastHeard) > self.configuration.reconnectAfterSilence {
                return .silent
            }
            if renewAt.map({ now >= $0 }) ?? true, ContinuousClock.now >= nextRenewal {
                do {
                    try await self.renewGrant(client, endpoint: endpoint)
                    return .renewed
                } catch {
                    // The open stream still works with the old token; try again after a pause.
                    renewalFailures += 1
                    nextRenewal = ContinuousClock.now + backoff.delay(attempt: renewalFailures)
                    self.record(error: Self.message(error))
                }
            }
        }
        return .shutdown
    }

    // MARK: - Events

    /// Applies one message of the stream.
    ///
    /// - Throws: `revocations_stale` for an event of a known type that cannot be applied
    ///   (no JSON, no `sid`/`sub`/`kid`): the connection is dropped and the cursor stays before
    ///   it, so the reader goes stale rather than silently missing a revocation.
    private func handle(_ message: ServerSentEventParser.Message) throws(JWTAuthError) {
        let now = self.clock.now
        guard case .event(let type, let data, let lastEventID) = message else {
            self.heard(now: now, ready: false, cursor: nil)
            return
        }
        var ready = false
        var readyCursor: String? = nil
        if data == nil, ["session-revoked", "user-revoked", "key-revoked"].contains(type) {
            // An `id:`-only message moves the cursor on; a revocation without its data must not.
            throw JWTAuthError(.revocationsStale, "the feed sent a \(type) event without data")
        }
        if let data {
            switch type {
            case "session-revoked":
                let members = try Self.members(data, type)
                let sid = try Self.identifier(members, "sid", type)
                self.cache.record(RevocationEvent(kind: .session, subject: sid, at: Self.date(members["event_timestamp"]) ?? now))
            case "user-revoked":
                let members = try Self.members(data, type)
                let sub = try Self.identifier(members, "sub", type)
                // Without a cut-off the safe reading is "every token issued so far".
                let before = Self.date(members["revoked_before"]) ?? Self.date(members["event_timestamp"]) ?? now
                self.cache.record(RevocationEvent(kind: .user, subject: sub, at: before))
            case "key-revoked":
                let members = try Self.members(data, type)
                let kid = try Self.identifier(members, "kid", type)
                self.keySet.revokeKey(kid, at: Self.date(members["event_timestamp"]) ?? now)
            case "ready":
                ready = true
                readyCursor = (try? JSONValue(parsingBytes: data))?.objectValue?["cursor"]?.stringValue
            default:
                // Heartbeats, and types added later: heard, nothing to apply.
                break
            }
        }
        self.heard(now: now, ready: ready, cursor: readyCursor ?? lastEventID)
    }

    private func heard(now: NumericDate, ready: Bool, cursor: String?) {
        let caughtUpNow = self.state.withLock { state in
            if let cursor, !cursor.isEmpty { state.cursor = cursor }
            state.lastHeardOnConnection = now
            let first = ready && !state.hasCaughtUp
            if ready { state.hasCaughtUp = true }
            if state.hasCaughtUp {
                state.lastFresh = now
                if first {
                    state.lastError = nil
                    state.lastErrorAt = nil
                }
            }
            return first
        }
        if caughtUpNow { self.logger.info("revocation feed caught up") }
    }

    private static func members(_ data: [UInt8], _ type: String) throws(JWTAuthError) -> [String: JSONValue] {
        guard let members = (try? JSONValue(parsingBytes: data))?.objectValue else {
            throw JWTAuthError(.revocationsStale, "the revocation feed sent a \(type) event whose data is not a JSON object")
        }
        return members
    }

    private static func identifier(_ members: [String: JSONValue], _ name: String, _ type: String) throws(JWTAuthError) -> String {
        guard let value = members[name]?.stringValue, !value.isEmpty else {
            throw JWTAuthError(.revocationsStale, "the revocation feed sent a \(type) event without \(name)")
        }
        return value
    }

    private static func date(_ value: JSONValue?) -> NumericDate? {
        guard let seconds = value?.doubleValue, seconds.isFinite else { return nil }
        return NumericDate(secondsSinceEpoch: seconds)
    }

    // MARK: - Endpoints and tokens

    private func endpoints(_ client: HTTPClient) async throws(JWTAuthError) -> Endpoints {
        if let known = self.state.withLock({ $0.endpoints }) { return known }
        var token = self.configuredTokenEndpoint
        var feed = self.configuredFeedEndpoint
        if token == nil || feed == nil {
            let metadata = try await IssuerMetadata.fetch(
                issuer: self.issuerURL,
                client: client,
                timeout: self.configuration.requestTimeout,
                maximumBytes: self.configuration.maximumResponseBytes,
                failure: .revocationsStale
            )
            let base = self.issuerURL.string.hasSuffix("/") ? String(self.issuerURL.string.dropLast()) : self.issuerURL.string
            if token == nil { token = metadata.tokenEndpoint }
            if token == nil { token = try RemoteURL(base + "/oauth/token", purpose: "the token endpoint") }
            if feed == nil { feed = metadata.revocationFeedEndpoint }
            if feed == nil { feed = try RemoteURL(base + "/oauth/revocations", purpose: "the revocation feed") }
        }
        guard let token, let feed else { throw JWTAuthError(.revocationsStale, "no token endpoint or feed URL") }
        let endpoints = Endpoints(token: token, feed: feed)
        self.state.withLock { $0.endpoints = endpoints }
        return endpoints
    }

    /// The token to open the feed with: the one held unless it is due for renewal.
    private func grant(_ client: HTTPClient, endpoint: RemoteURL) async throws(JWTAuthError) -> ClientCredentialsGrant {
        let now = self.clock.now
        if let grant = self.state.withLock({ $0.grant }), now < grant.renewAt { return grant }
        return try await self.renewGrant(client, endpoint: endpoint)
    }

    @discardableResult
    private func renewGrant(_ client: HTTPClient, endpoint: RemoteURL) async throws(JWTAuthError) -> ClientCredentialsGrant {
        let clock = self.clock
        let grant = try await ClientCredentialsGrant.request(
            endpoint: endpoint,
            clientID: self.configuration.clientID,
            clientSecret: self.configuration.clientSecret,
            scope: self.configuration.scope,
            client: client,
            timeout: self.configuration.requestTimeout,
            maximumBytes: self.configuration.maximumResponseBytes,
            now: { clock.now }
        )
        self.state.withLock { $0.grant = grant }
        return grant
    }

    // MARK: - Failures

    private func record(error message: String) {
        let now = self.clock.now
        let isNew = self.state.withLock { state in
            let isNew = state.lastError != message
            state.lastError = message
            state.lastErrorAt = now
            return isNew
        }
        if isNew { self.logger.warning("revocation feed: \(message)") }
    }

    private static func message(_ error: any Error) -> String {
        (error as? JWTAuthError)?.message ?? String(describing: error)
    }

    /// The `error` parameter of a `WWW-Authenticate: Bearer` challenge, e.g. `insufficient_scope`.
    static func challengeError(_ challenge: String) -> String? {
        guard let range = challenge.firstRange(of: "error=\"") else { return nil }
        let rest = challenge[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let value = rest[..<end]
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_") }) else { return nil }
        return String(value)
    }
}
