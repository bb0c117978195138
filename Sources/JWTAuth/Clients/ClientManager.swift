import Crypto

/// Machine clients of the client-credentials grant: registers them, authenticates them, issues
/// their access tokens and removes them.
///
/// A client's secret is 32 random bytes (base64url), shown once at registration and stored as
/// its SHA-256 hash. Authentication costs the same whether the client exists or not: an
/// unknown id is checked against a decoy hash.
public struct ClientManager: Sendable {
    /// The session engine that signs clients' tokens and revokes them.
    public let sessions: SessionManager
    /// Where clients are stored.
    public let clients: any ClientStore
    /// The hash an unknown client id is compared with, so that it takes as long as a wrong
    /// secret.
    private let decoyHash: [UInt8]

    /// The longest client id looked up; anything longer is unknown without a store query.
    public static let maximumClientIDLength = 128
    /// The longest client name.
    public static let maximumNameLength = 128
    /// What every machine client's id starts with. A user's session may never carry a
    /// `client_id` with it: services that trust `client_id` (the gateway's `X-Auth-Client`)
    /// would take the user for the machine client.
    public static let clientIDPrefix = "c_"

    /// Creates a client manager.
    public init(sessions: SessionManager, clients: any ClientStore) {
        self.sessions = sessions
        self.clients = clients
        self.decoyHash = Array(SHA256.hash(data: Array(Self.makeSecret().utf8)))
    }

    /// Registers a client allowed the given scopes.
    ///
    /// - Returns: The stored record and the secret, which exists nowhere else: the caller shows
    ///   it once.
    /// - Throws: `invalid_input` for an empty or over-long name (or one with control
    ///   characters), no scopes or an invalid scope token; `store_unavailable`.
    public func register(name: String, scopes: [String]) async throws -> (client: ClientRecord, secret: String) {
        guard !name.isEmpty, name.count <= Self.maximumNameLength,
            name.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control && $0.properties.generalCategory != .format })
        else {
            throw JWTAuthError(.invalidInput, "a client name has 1 to \(Self.maximumNameLength) characters and no control characters")
        }
        var granted: [String] = []
        for scope in scopes where !granted.contains(scope) {
            guard OAuthScope.isValidToken(scope) else {
                throw JWTAuthError(.invalidInput, "a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)")
            }
            granted.append(scope)
        }
        guard !granted.isEmpty else { throw JWTAuthError(.invalidInput, "a client needs at least one scope") }
        let secret = Self.makeSecret()
        let client = ClientRecord(
            id: Self.clientIDPrefix + RandomIdentifier.make(),
            name: name,
            secretHash: Self.hash(secret),
            scopes: granted,
            createdAt: self.sessions.clock.now
        )
        try await self.clients.createClient(client)
        self.sessions.audit.record(AuditEvent(time: client.createdAt, kind: .clientCreated, clientID: client.id))
        return (client, secret)
    }

    /// Checks a client's id and secret.
    ///
    /// - Throws: `invalid_client` for an unknown client or a wrong secret (the same error,
    ///   after the same work); `store_unavailable`.
    public func authenticate(_ credentials: ClientCredentials) async throws -> ClientRecord {
        let id = credentials.clientID
        // A NUL or a huge id cannot name a client, and some databases cannot even be asked
        // about one: such an id is unknown, and costs the same as any other.
        let plausible = id.utf8.count <= Self.maximumClientIDLength && id.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
        let client = plausible ? try await self.clients.client(id: id) : nil
        let stored = client.flatMap { Base64URL.decode($0.secretHash) } ?? self.decoyHash
        let presented = Array(SHA256.hash(data: Array(credentials.secret.utf8)))
        guard ConstantTime.equals(presented, stored), let client else {
            throw JWTAuthError(.invalidClient, "unknown client or wrong secret")
        }
        return client
    }

    /// The client-credentials grant: authenticates the client and issues an access token for
    /// the scopes asked for (all of the client's when `scope` is nil).
    ///
    /// - Throws: `invalid_client`, `invalid_scope` (bad syntax, or a scope the client was not
    ///   granted), `store_unavailable`.
    public func issueToken(for credentials: ClientCredentials, scope: String?) async throws -> ClientTokenResponse {
        let client = try await self.authenticate(credentials)
        let scopes: [String]
        if let scope {
            scopes = try OAuthScope.parse(scope)
            if let refused = scopes.first(where: { !client.scopes.contains($0) }) {
                throw JWTAuthError(.invalidScope, "the client may not ask for the scope \(refused)")
            }
        } else {
            scopes = client.scopes
        }
        return try self.sessions.issueAccessToken(for: client, scopes: scopes)
    }

    /// Every client, oldest first.
    public func list() async throws -> [ClientRecord] {
        try await self.clients.clients()
    }

    /// Removes a client and revokes every token issued to it so far, on every instance that
    /// shares the session store.
    ///
    /// - Throws: `not_found` when there is no such client; `store_unavailable` (when the
    ///   record was deleted but the revocation failed, running the removal again is not
    ///   possible, so the message says the tokens live until they expire).
    public func remove(id: String) async throws {
        // Deleted first: from then on no token can be issued, so the revocation that follows
        // covers every token the client will ever have had.
        guard try await self.clients.removeClient(id: id) else {
            throw JWTAuthError(.notFound, "no client with id \(id)")
        }
        self.sessions.audit.record(AuditEvent(time: self.sessions.clock.now, kind: .clientRemoved, clientID: id))
        do {
            try await self.sessions.revokeClient(id: id)
        } catch let error as JWTAuthError {
            throw JWTAuthError(error.code, "the client was removed, but its tokens could not be revoked and stay valid until they expire: \(error.message)")
        }
    }

    /// 32 random bytes, base64url.
    static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4).flatMap { _ -> [UInt8] in
            let value = generator.next() as UInt64
            return (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
        }
        return Base64URL.encodedString(bytes)
    }

    /// The stored form of a secret: SHA-256, base64url.
    static func hash(_ secret: String) -> String {
        Base64URL.encodedString(Array(SHA256.hash(data: Array(secret.utf8))))
    }
}
