public import Foundation

/// The app side of a JWTAuth token server: keeps the token pair, authorizes requests with it
/// and renews it, so callers only ever see their own API's responses.
///
/// ```swift
/// let auth = JWTAuthClient(
///     baseURL: URL(string: "https://auth.example.com")!,
///     tokens: try? keychain.loadTokens(),
///     onTokensChanged: { tokens in
///         try? keychain.save(tokens)      // nil after logout or when the session ended
///     }
/// )
/// try await auth.login(username: "alice", password: password)
/// let me = try await auth.send(HTTPRequestData(url: api.appending(path: "me")))
/// ```
///
/// What ``send(_:)`` does for each request:
/// - adds `Authorization: Bearer <access token>`;
/// - renews the pair *first* when the access token expires within the refresh margin;
/// - when the server still answers 401 `invalid_token` (revoked, or the clocks disagree),
///   renews once and retries once, and returns the second answer whatever it is.
///
/// Renewals are single-flight: however many requests need a new pair at once, exactly one
/// `POST /auth/refresh` goes out and all of them wait for it. That is not only thrift: refresh
/// tokens rotate, and the server treats a refresh token presented twice as stolen and revokes
/// the whole session. For the same reason a refresh, once sent, always runs to completion even
/// if every request waiting for it is cancelled — its answer carries the only live refresh token.
/// An answer lost on the way (a transport timeout after the server rotated, a dropped
/// connection) cannot be recovered: the next refresh presents the retired token and, with the
/// server's default reuse interval of 0 s, ends the session. Give the transport a generous
/// timeout, or run the server with a short `--reuse-interval`.
///
/// The client is an actor because it owns state (the pair, the refresh in flight) that many
/// tasks read and replace across suspension points.
public actor JWTAuthClient {
    /// The token server, e.g. `https://auth.example.com`; `auth/login` and friends are
    /// resolved against it.
    public nonisolated let baseURL: URL

    private let transport: any HTTPTransport
    private let refreshMargin: TimeInterval
    private let clientID: String?
    private let now: @Sendable () -> Date
    private let onTokensChanged: @Sendable (TokenPair?) async -> Void

    /// The current pair, or `nil` when signed out.
    public private(set) var tokens: TokenPair?
    /// How long the current access token was issued for; bounds the refresh margin.
    private var accessTokenLifetime: TimeInterval?
    /// Bumped whenever the pair is replaced other than by a refresh (login, logout, session end),
    /// so a refresh that was in flight meanwhile cannot bring back a session that is gone.
    private var generation = 0
    /// The refresh in flight; everyone who needs a new pair meanwhile awaits this one.
    private var refreshInFlight: Task<TokenPair, any Error>?
    /// The last storage-callback delivery; each waits for the one before, so the app's storage
    /// sees pairs in the order they were adopted (a late `nil` must not be overtaken by a pair).
    private var lastDelivery: Task<Void, Never>?

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - baseURL: The token server.
    ///   - transport: How requests are sent; by default a ``URLSessionTransport`` with an
    ///     ephemeral session of its own.
    ///   - tokens: A pair saved earlier (from the Keychain, say), to resume a session without
    ///     logging in again; `nil` to start signed out.
    ///   - refreshMargin: Renew when the access token expires within this; 30 s by default.
    ///     Never more than half the token's lifetime, so short-lived tokens are not renewed
    ///     on every request.
    ///   - clientID: Sent as `client_id` at login, to tell sessions apart in `/auth/sessions`.
    ///   - now: This device's clock; tests inject their own.
    ///   - onTokensChanged: Pass it with its label (a trailing closure would be taken for
    ///     `now`). Called with each new pair (after login and every refresh) and with
    ///     `nil` when the session ends, before anyone uses the new pair, so the app can store
    ///     it. Calls arrive one at a time, in order. The callback must not call back into the
    ///     client (``send(_:)``, ``refresh()``): a refresh waits for its callback, so such a
    ///     call would wait for itself.
    public init(
        baseURL: URL,
        transport: any HTTPTransport = URLSessionTransport(),
        tokens: TokenPair? = nil,
        refreshMargin: Duration = .seconds(30),
        clientID: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        onTokensChanged: @escaping @Sendable (TokenPair?) async -> Void = { _ in }
    ) {
        self.baseURL = baseURL
        self.transport = transport
        self.tokens = tokens
        self.accessTokenLifetime = tokens.flatMap { UnverifiedTokenTimes(token: $0.accessToken)?.lifetime }
        self.refreshMargin = max(0, Self.seconds(refreshMargin))
        self.clientID = clientID
        self.now = now
        self.onTokensChanged = onTokensChanged
    }

    /// Whether the client holds tokens. It may still find out at the next request that the
    /// server ended the session.
    public var isSignedIn: Bool { self.tokens != nil }

    // MARK: Account and session

    /// Creates an account (`POST /auth/register`). It does not log in.
    ///
    /// - Returns: The new account's id (the tokens' `sub`) and its username as stored.
    /// - Throws: ``JWTAuthClientError`` — ``JWTAuthClientError/Code/server`` with
    ///   `username_taken` (409), `invalid_request` (400) or `access_denied` (registration closed).
    @discardableResult
    public func register(username: String, password: String) async throws -> (id: String, username: String) {
        let response = try await self.post("auth/register", ["username": username, "password": password])
        guard response.isSuccess else { throw JWTAuthClientError(response: response) }
        struct Account: Decodable {
            var id: String
            var username: String
        }
        guard let account = try? JSONDecoder().decode(Account.self, from: response.body) else {
            throw JWTAuthClientError(.invalidResponse, "the registration response has no id and username", status: response.status)
        }
        return (account.id, account.username)
    }

    /// Logs in (`POST /auth/login`) and keeps the pair; the storage callback receives it.
    ///
    /// A session held before is replaced here but not logged out on the server; call
    /// ``logout()`` first for that.
    ///
    /// - Throws: ``JWTAuthClientError`` — ``JWTAuthClientError/Code/server`` with
    ///   `invalid_credentials` (401) or `rate_limited` (429, see
    ///   ``JWTAuthClientError/retryAfter``).
    public func login(username: String, password: String) async throws {
        var fields = ["username": username, "password": password]
        // The server can be set to put the refresh token in a browser cookie instead of the
        // body; an app needs it in the body to store it.
        fields["mode"] = "json"
        fields["client_id"] = self.clientID
        let requestedAt = self.now()
        let response = try await self.post("auth/login", fields)
        guard response.isSuccess else { throw JWTAuthClientError(response: response) }
        let reply = try TokenResponse(response)
        self.generation += 1
        await self.adopt(reply.tokenPair(requestedAt: requestedAt), lifetime: reply.accessTokenLifetime)
    }

    /// Logs this session out (`POST /auth/logout` with the refresh token) and forgets the
    /// tokens; the storage callback receives `nil`. Does nothing when signed out.
    ///
    /// When the server answers that the refresh token is already dead (`invalid_grant`), the
    /// tokens are forgotten all the same: the session is over either way.
    ///
    /// - Throws: ``JWTAuthClientError`` when the server could not be told (no answer, 5xx).
    ///   The tokens are then kept so the call can be retried; ``discardTokens()`` forgets them
    ///   without telling the server.
    public func logout() async throws {
        guard let pair = self.tokens else { return }
        let generation = self.generation
        let response = try await self.post("auth/logout", ["refresh_token": pair.refreshToken])
        if !response.isSuccess {
            let error = JWTAuthClientError(response: response)
            guard error.code == .sessionEnded else { throw error }
        }
        if self.generation == generation { await self.endSession() }
    }

    /// Logs out every session of the user, on every device (`POST /auth/logout-all`), this one
    /// included, and forgets the tokens.
    ///
    /// - Throws: ``JWTAuthClientError`` — ``JWTAuthClientError/Code/notSignedIn``,
    ///   ``JWTAuthClientError/Code/sessionEnded`` (this session was already over, so the other
    ///   sessions could not be reached through it), or the server's refusal.
    public func logoutEverywhere() async throws {
        let generation = self.generation
        let response = try await self.send(HTTPRequestData(method: "POST", url: self.endpoint("auth/logout-all")))
        guard response.isSuccess else { throw JWTAuthClientError(response: response) }
        if self.generation == generation { await self.endSession() }
    }

    /// Forgets the tokens without telling the server, and calls the storage callback with
    /// `nil`. The server-side session lives on until its refresh token expires.
    public func discardTokens() async {
        guard self.tokens != nil else { return }
        await self.endSession()
    }

    /// Renews the pair now (`POST /auth/refresh`), for example after the user's roles changed.
    /// Joins a refresh already in flight rather than starting a second one.
    ///
    /// - Throws: ``JWTAuthClientError`` — ``JWTAuthClientError/Code/notSignedIn``,
    ///   ``JWTAuthClientError/Code/sessionEnded`` (tokens cleared), or a transient failure
    ///   (tokens kept).
    public func refresh() async throws {
        guard let tokens = self.tokens else { throw JWTAuthClientError(.notSignedIn, "log in first") }
        _ = try await self.renewTokens(replacing: tokens)
    }

    // MARK: Authorized requests

    /// Sends `request` with `Authorization: Bearer`, renewing the pair first when the access
    /// token is about to expire and once more if the server refuses it as `invalid_token`.
    ///
    /// The bearer token goes to whatever URL `request` names; send only requests meant for
    /// services that accept this server's access tokens.
    ///
    /// - Returns: The server's response, whatever its status (only an `invalid_token` 401 is
    ///   acted on, once).
    /// - Throws: ``JWTAuthClientError`` — ``JWTAuthClientError/Code/notSignedIn``;
    ///   ``JWTAuthClientError/Code/sessionEnded`` when a needed refresh was refused (tokens
    ///   cleared); ``JWTAuthClientError/Code/transport`` when no response arrived; a failed
    ///   refresh's error. `CancellationError` passes through.
    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        let pair = try await self.usableTokens()
        let response = try await self.transmit(request, bearer: pair.accessToken)
        guard ServerErrorBody.refusesAccessToken(response) else { return response }
        // Retrying is safe for any method: a request refused as unauthenticated was not acted on.
        let renewed = try await self.renewTokens(replacing: pair)
        return try await self.transmit(request, bearer: renewed.accessToken)
    }

    /// The pair to send a request with, renewed first when the access token is close to expiry
    /// or a renewal is already under way (then the current token is expiring or was refused).
    private func usableTokens() async throws -> TokenPair {
        guard let tokens = self.tokens else { throw JWTAuthClientError(.notSignedIn, "log in first") }
        let remaining = tokens.accessTokenExpiresAt.timeIntervalSince(self.now())
        guard self.refreshInFlight != nil || remaining <= self.effectiveRefreshMargin else { return tokens }
        do {
            return try await self.renewTokens(replacing: tokens)
        } catch let error as JWTAuthClientError where error.code == .server || error.code == .transport {
            // Renewing early is a courtesy; while the access token still works, an outage of
            // the token server should not fail the caller's request as well. (If the server
            // refuses the token after all, `send` tries one more renewal.)
            guard remaining > 0, let current = self.tokens else { throw error }
            return current
        }
    }

    /// The refresh margin in effect: the configured one, but at most half the token's lifetime.
    private var effectiveRefreshMargin: TimeInterval {
        guard let lifetime = self.accessTokenLifetime else { return self.refreshMargin }
        return min(self.refreshMargin, lifetime / 2)
    }

    /// Renews `stale`, the pair a caller found wanting, unless that already happened.
    private func renewTokens(replacing stale: TokenPair) async throws -> TokenPair {
        if let refreshInFlight { return try await refreshInFlight.value }
        guard let current = self.tokens else { throw JWTAuthClientError(.notSignedIn, "log in first") }
        // Another caller renewed while this one's request was on the wire: use that pair
        // instead of spending the new refresh token too.
        if current.accessToken != stale.accessToken { return current }
        let generation = self.generation
        let refreshToken = current.refreshToken
        // Unstructured on purpose: cancelling a waiting caller must not abandon the exchange.
        let task = Task { try await self.performRefresh(refreshToken: refreshToken, generation: generation) }
        self.refreshInFlight = task
        return try await task.value
    }

    /// The one `POST /auth/refresh` of a renewal. Runs while ``refreshInFlight`` is set, so
    /// nobody uses or renews the pair until the storage callback has it.
    private func performRefresh(refreshToken: String, generation: Int) async throws -> TokenPair {
        defer { self.refreshInFlight = nil }
        let requestedAt = self.now()
        let response = try await self.post("auth/refresh", ["refresh_token": refreshToken])
        guard self.generation == generation else {
            // The user logged out or in again meanwhile: whatever the answer, it is about a
            // session that is no longer ours.
            guard let current = self.tokens else { throw JWTAuthClientError(.notSignedIn, "logged out during the refresh") }
            return current
        }
        guard response.isSuccess else {
            let error = JWTAuthClientError(response: response)
            // The session is over (logged out, revoked, expired, or the token was replayed).
            if error.code == .sessionEnded { await self.endSession() }
            throw error
        }
        let reply = try TokenResponse(response)
        let pair = reply.tokenPair(requestedAt: requestedAt)
        await self.adopt(pair, lifetime: reply.accessTokenLifetime)
        return pair
    }

    // MARK: State changes

    private func adopt(_ pair: TokenPair, lifetime: TimeInterval?) async {
        self.tokens = pair
        self.accessTokenLifetime = lifetime
        await self.deliver(pair)
    }

    private func endSession() async {
        self.tokens = nil
        self.accessTokenLifetime = nil
        self.generation += 1
        await self.deliver(nil)
    }

    /// Hands `tokens` to the storage callback after every earlier delivery, and waits for it.
    private func deliver(_ tokens: TokenPair?) async {
        let previous = self.lastDelivery
        let callback = self.onTokensChanged
        let delivery = Task {
            await previous?.value
            await callback(tokens)
        }
        self.lastDelivery = delivery
        await delivery.value
    }

    // MARK: Wire

    private func endpoint(_ path: String) -> URL {
        self.baseURL.appendingPathComponent(path)
    }

    /// A JSON POST to the token server; only a missing answer throws.
    private func post(_ path: String, _ fields: [String: String]) async throws -> HTTPResponseData {
        let body: Data
        do {
            body = try JSONEncoder().encode(fields)
        } catch {
            throw JWTAuthClientError(.invalidResponse, "could not encode the request body")
        }
        let request = HTTPRequestData(
            method: "POST",
            url: self.endpoint(path),
            headers: ["Content-Type": "application/json", "Accept": "application/json"],
            body: body
        )
        do {
            return try await self.transport.send(request)
        } catch {
            throw JWTAuthClientError.transport(error, doing: "POST /\(path)")
        }
    }

    private func transmit(_ request: HTTPRequestData, bearer accessToken: String) async throws -> HTTPResponseData {
        var request = request
        request.setValue("Bearer " + accessToken, forHTTPHeaderField: "Authorization")
        do {
            return try await self.transport.send(request)
        } catch {
            throw JWTAuthClientError.transport(error, doing: "\(request.method) \(request.url.path)")
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
