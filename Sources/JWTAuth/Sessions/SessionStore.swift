/// Where sessions and revocations live: memory, SQLite, PostgreSQL or Redis.
///
/// Every method takes the time from the caller (the engine's clock), so stores never read a
/// clock of their own. Every store passes the same conformance suite; the one operation that
/// needs care is ``rotate(_:)``, which must be a single atomic compare-and-rotate.
///
/// Stores report an unreachable backend as ``JWTAuthError`` with code `store_unavailable`; the
/// engine then fails closed (no refresh token is accepted unchecked).
public protocol SessionStore: Sendable {
    /// Stores a new session, then revokes the user's oldest active sessions beyond
    /// `maximumPerUser` (reason `evicted`). Returns the evicted sessions.
    func createSession(_ session: SessionRecord, maximumPerUser: Int) async throws -> [SessionRecord]

    /// The session with this id, active or not; nil when unknown or when it belongs to
    /// another user. (Every lookup names the user: a token's `sid` only counts together with
    /// its `sub`, and a store may keep each user's data together, e.g. in one Redis slot.)
    func session(id: String, userID: String) async throws -> SessionRecord?

    /// The user's sessions that are active at `now`, newest first.
    func activeSessions(userID: String, at now: NumericDate) async throws -> [SessionRecord]

    /// The atomic compare-and-rotate of a refresh. See ``RotationRequest``.
    func rotate(_ request: RotationRequest) async throws -> RotationOutcome

    /// Revokes one session (if active) and records the revocation. Returns the session as it
    /// is afterwards, or nil when unknown.
    func revokeSession(id: String, userID: String, at now: NumericDate, reason: RevocationReason) async throws -> SessionRecord?

    /// Revokes every active session of the user and records a user-wide revocation at `now`
    /// (access tokens issued before it stop working). Returns the ids of the revoked sessions.
    func revokeUser(id userID: String, at now: NumericDate, reason: RevocationReason) async throws -> [String]

    /// Revocations recorded after `cursor` (all kept ones when nil), oldest first, and the
    /// cursor to continue from. Used to fill a revocation cache on start and to catch up after
    /// a feed outage.
    func revocations(after cursor: RevocationCursor?) async throws -> RevocationBatch

    /// Revocations as they happen, from any instance sharing the store; nil when the store has
    /// no push channel (then the engine polls ``revocations(after:)``). The stream yields
    /// ``RevocationFeedMessage/connected`` whenever the channel is (re)established, so the
    /// consumer can read what it missed while it was down.
    func revocationFeed() -> AsyncStream<RevocationFeedMessage>?

    /// Deletes sessions and revocation records that can no longer matter at `now`.
    func purgeExpired(at now: NumericDate, revocationRetention: Duration) async throws

    /// Throws `store_unavailable` when the backend cannot be reached.
    func checkHealth() async throws
}

/// A refresh: the session, the `jti` presented, and the `jti` to rotate to.
public struct RotationRequest: Sendable, Hashable {
    /// The session to rotate (the refresh token's `sid`).
    public var sessionID: String
    /// The user the session must belong to (the refresh token's `sub`).
    public var userID: String
    /// The `jti` of the refresh token presented.
    public var presentedTokenID: String
    /// The `jti` of the refresh token to issue if the presented one is current.
    public var newTokenID: String
    /// The time of the refresh.
    public var now: NumericDate
    /// The idle lifetime of a refresh token; the new `exp` is `now + refreshLifetime`, capped by
    /// the session's absolute end.
    public var refreshLifetime: Duration
    /// How long after a rotation the previous token may still be presented and get the same
    /// successor. Zero means no grace at all.
    public var reuseInterval: Duration

    /// Creates a rotation request.
    public init(
        sessionID: String,
        userID: String,
        presentedTokenID: String,
        newTokenID: String,
        now: NumericDate,
        refreshLifetime: Duration,
        reuseInterval: Duration
    ) {
        self.sessionID = sessionID
        self.userID = userID
        self.presentedTokenID = presentedTokenID
        self.newTokenID = newTokenID
        self.now = now
        self.refreshLifetime = refreshLifetime
        self.reuseInterval = reuseInterval
    }
}

/// What a compare-and-rotate did.
public enum RotationOutcome: Sendable, Hashable {
    /// The presented token was current: the session now has the new token as current.
    case rotated(SessionRecord)
    /// The presented token was the previous one, within the reuse interval: nothing changed,
    /// and the current token (the same successor) is to be issued again.
    case reissued(SessionRecord)
    /// The presented token was rotated away before: the store revoked the session.
    case reuseDetected(SessionRecord)
    /// The session is unknown, revoked or expired; nothing changed.
    case rejected(RotationRejection)
}

/// Why a rotation was refused without a change.
public enum RotationRejection: Sendable, Hashable {
    /// No session has this id, or it belongs to another user.
    case unknownSession
    /// The session was revoked.
    case revoked
    /// The session's absolute lifetime or its refresh token's idle lifetime has run out.
    case expired
}

/// A revocation, as recorded by a store and sent on its feed.
public struct RevocationEvent: Sendable, Hashable, Codable {
    /// What a revocation applies to.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// One session (`subject` is its id).
        case session
        /// A whole user (`subject` is the user id, or a client id for a client's own tokens):
        /// tokens issued before `at` are revoked.
        case user
        /// A signing key (`subject` is its `kid`), compromised: tokens it signed are refused
        /// whatever their age. Key revocations come from the key store, not a session store.
        case key
    }

    /// Whether one session, a whole user or a key was revoked.
    public var kind: Kind
    /// The session id, the user id or the key id.
    public var subject: String
    /// When the revocation happened.
    public var at: NumericDate

    /// Creates a revocation event.
    public init(kind: Kind, subject: String, at: NumericDate) {
        self.kind = kind
        self.subject = subject
        self.at = at
    }
}

/// What a store's revocation feed delivers.
public enum RevocationFeedMessage: Sendable, Hashable {
    /// The feed is connected (again): everything from now on will be delivered, what happened
    /// before must be read from the log.
    case connected
    /// A revocation, made by any instance.
    case revoked(RevocationEvent)
}

/// A position in a store's revocation log.
public struct RevocationCursor: Sendable, Hashable, Codable {
    /// The position in the store's own format (a sequence number or a Redis stream id); opaque
    /// to callers.
    public var value: String
    /// Creates a cursor from a value a store returned.
    public init(_ value: String) { self.value = value }
}

/// One revocation in a store's log, with its position.
public struct RevocationLogEntry: Sendable, Hashable {
    /// The entry's position: reading after it continues with the next entry.
    public var cursor: RevocationCursor
    /// The revocation.
    public var event: RevocationEvent

    /// Creates an entry.
    public init(cursor: RevocationCursor, event: RevocationEvent) {
        self.cursor = cursor
        self.event = event
    }
}

/// Revocations read from a store's log.
public struct RevocationBatch: Sendable {
    /// The revocations with their positions, oldest first.
    public var entries: [RevocationLogEntry]
    /// Where to continue reading; nil only when no cursor was given and the log held nothing.
    public var cursor: RevocationCursor?

    /// The revocations, oldest first.
    public var events: [RevocationEvent] { self.entries.map(\.event) }

    /// Creates a batch.
    public init(entries: [RevocationLogEntry], cursor: RevocationCursor?) {
        self.entries = entries
        self.cursor = cursor
    }
}
