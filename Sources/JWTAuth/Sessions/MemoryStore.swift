import Synchronization

/// Sessions, users, clients and revocations in process memory.
///
/// A real store, not a test double: right for tests, development and single-process services
/// that accept losing every session on restart. Every operation runs under one lock, so the
/// compare-and-rotate is trivially atomic.
public final class MemoryStore: SessionStore, UserStore {
    private struct State {
        var sessions: [String: SessionRecord] = [:]
        var sessionsByUser: [String: Set<String>] = [:]
        var users: [String: UserRecord] = [:]
        var userIDsByKey: [String: String] = [:]
        var revocations: [(sequence: Int, event: RevocationEvent)] = []
        var nextSequence = 1
        var subscribers: [Int: AsyncStream<RevocationFeedMessage>.Continuation] = [:]
        var nextSubscriber = 0
    }

    private let state = Mutex(State())
    /// Machine clients by id (``ClientStore``); apart from the sessions' lock, which their
    /// operations never need.
    let clientRecords = Mutex<[String: ClientRecord]>([:])
    /// The audit log (``AuditStore``), with the next sequence number; under its own lock too.
    let auditRecords = Mutex<(entries: [AuditEntry], nextSequence: Int64)>(([], 1))

    /// Creates an empty store.
    public init() {}

    // MARK: - Sessions

    /// Stores the session, then revokes the user's oldest active sessions beyond
    /// `maximumPerUser` (one session is always kept).
    public func createSession(_ session: SessionRecord, maximumPerUser: Int) async throws -> [SessionRecord] {
        let (evicted, events) = self.state.withLock { state -> ([SessionRecord], [RevocationEvent]) in
            state.sessions[session.id] = session
            state.sessionsByUser[session.userID, default: []].insert(session.id)
            let active = (state.sessionsByUser[session.userID] ?? [])
                .compactMap { state.sessions[$0] }
                .filter { $0.isActive(at: session.createdAt) }
                .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            var evicted: [SessionRecord] = []
            var events: [RevocationEvent] = []
            for var old in active.dropFirst(max(1, maximumPerUser)) {
                old.revokedAt = session.createdAt
                old.revocationReason = .evicted
                state.sessions[old.id] = old
                evicted.append(old)
                events.append(Self.append(&state, RevocationEvent(kind: .session, subject: old.id, at: session.createdAt)))
            }
            return (evicted, events)
        }
        self.publish(events)
        return evicted
    }

    /// The session with this id, or nil when it is unknown or another user's.
    public func session(id: String, userID: String) async throws -> SessionRecord? {
        self.state.withLock { $0.sessions[id] }.flatMap { $0.userID == userID ? $0 : nil }
    }

    /// The user's sessions that are active at `now`, newest first.
    public func activeSessions(userID: String, at now: NumericDate) async throws -> [SessionRecord] {
        self.state.withLock { state in
            (state.sessionsByUser[userID] ?? [])
                .compactMap { state.sessions[$0] }
                .filter { $0.isActive(at: now) }
                .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        }
    }

    /// Decides and applies the compare-and-rotate under the store's lock.
    public func rotate(_ request: RotationRequest) async throws -> RotationOutcome {
        let (outcome, event) = self.state.withLock { state -> (RotationOutcome, RevocationEvent?) in
            let session = state.sessions[request.sessionID]
            switch RotationRules.decide(session, request) {
            case .rotate(let next):
                state.sessions[next.id] = next
                return (.rotated(next), nil)
            case .reissue:
                return (session.map(RotationOutcome.reissued) ?? .rejected(.unknownSession), nil)
            case .reuse:
                guard var revoked = session else { return (.rejected(.unknownSession), nil) }
                revoked.revokedAt = request.now
                revoked.revocationReason = .reuseDetected
                state.sessions[revoked.id] = revoked
                let event = Self.append(&state, RevocationEvent(kind: .session, subject: revoked.id, at: request.now))
                return (.reuseDetected(revoked), event)
            case .reject(let reason):
                return (.rejected(reason), nil)
            }
        }
        if let event { self.publish([event]) }
        return outcome
    }

    /// Revokes the session if it is active; a session revoked earlier is returned unchanged.
    public func revokeSession(id: String, userID: String, at now: NumericDate, reason: RevocationReason) async throws -> SessionRecord? {
        let (session, event) = self.state.withLock { state -> (SessionRecord?, RevocationEvent?) in
            guard var session = state.sessions[id], session.userID == userID else { return (nil, nil) }
            guard session.revokedAt == nil else { return (session, nil) }
            session.revokedAt = now
            session.revocationReason = reason
            state.sessions[id] = session
            return (session, Self.append(&state, RevocationEvent(kind: .session, subject: id, at: now)))
        }
        if let event { self.publish([event]) }
        return session
    }

    /// Revokes the user's active sessions and records a user-wide revocation at `now`.
    public func revokeUser(id userID: String, at now: NumericDate, reason: RevocationReason) async throws -> [String] {
        let (revoked, events) = self.state.withLock { state -> ([String], [RevocationEvent]) in
            var revoked: [String] = []
            var events: [RevocationEvent] = []
            for sessionID in state.sessionsByUser[userID] ?? [] {
                guard var session = state.sessions[sessionID], session.revokedAt == nil else { continue }
                session.revokedAt = now
                session.revocationReason = reason
                state.sessions[sessionID] = session
                revoked.append(sessionID)
                events.append(Self.append(&state, RevocationEvent(kind: .session, subject: sessionID, at: now)))
            }
            events.append(Self.append(&state, RevocationEvent(kind: .user, subject: userID, at: now)))
            return (revoked, events)
        }
        self.publish(events)
        return revoked
    }

    /// Revocations after `cursor` (a sequence number in this store), oldest first.
    public func revocations(after cursor: RevocationCursor?) async throws -> RevocationBatch {
        self.state.withLock { state in
            let after = cursor.flatMap { Int($0.value) } ?? 0
            let events = state.revocations.filter { $0.sequence > after }
            let last = events.last?.sequence ?? max(after, state.nextSequence - 1)
            return RevocationBatch(
                entries: events.map { RevocationLogEntry(cursor: RevocationCursor(String($0.sequence)), event: $0.event) },
                cursor: RevocationCursor(String(last))
            )
        }
    }

    /// A feed of this store's revocations that starts with `connected`; for a slow consumer the
    /// stream buffers only the newest 10,000 messages.
    public func revocationFeed() -> AsyncStream<RevocationFeedMessage>? {
        let (stream, continuation) = AsyncStream<RevocationFeedMessage>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        continuation.yield(.connected)
        let id = self.state.withLock { state in
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Deletes sessions and revocation records that ended more than `revocationRetention` before
    /// `now`.
    public func purgeExpired(at now: NumericDate, revocationRetention: Duration) async throws {
        self.state.withLock { state in
            let keepAfter = now - revocationRetention
            // Past its idle deadline a session can never refresh again (its refresh token has
            // expired too), so it goes then, not only at its absolute end.
            for (id, session) in state.sessions
            where session.expiresAt <= keepAfter || session.refreshExpiresAt <= keepAfter || (session.revokedAt.map { $0 <= keepAfter } ?? false) {
                state.sessions.removeValue(forKey: id)
                state.sessionsByUser[session.userID]?.remove(id)
                if state.sessionsByUser[session.userID]?.isEmpty == true { state.sessionsByUser.removeValue(forKey: session.userID) }
            }
            state.revocations.removeAll { $0.event.at <= keepAfter }
        }
    }

    /// Does nothing: memory is always reachable.
    public func checkHealth() async throws {}

    // MARK: - Users

    /// Stores a new user; throws `username_taken` when the username exists in any case.
    public func createUser(_ user: UserRecord) async throws {
        let key = UserRecord.usernameKey(user.username)
        try self.state.withLock { (state) throws(JWTAuthError) in
            guard state.userIDsByKey[key] == nil else {
                throw JWTAuthError(.usernameTaken, "the username is taken")
            }
            state.users[user.id] = user
            state.userIDsByKey[key] = user.id
        }
    }

    /// The user with this id, or nil.
    public func user(id: String) async throws -> UserRecord? {
        self.state.withLock { $0.users[id] }
    }

    /// The user with this username (compared case-insensitively), or nil.
    public func user(username: String) async throws -> UserRecord? {
        self.state.withLock { state in
            state.userIDsByKey[UserRecord.usernameKey(username)].flatMap { state.users[$0] }
        }
    }

    /// Replaces the user's record, keeping its username; returns false when the user does not exist.
    public func updateUser(_ user: UserRecord) async throws -> Bool {
        self.state.withLock { state in
            guard let existing = state.users[user.id] else { return false }
            var updated = user
            updated.username = existing.username
            state.users[user.id] = updated
            return true
        }
    }

    /// How many users exist.
    public func userCount() async throws -> Int {
        self.state.withLock { $0.users.count }
    }

    /// Every user, ordered by username key.
    public func users() async throws -> [UserRecord] {
        self.state.withLock { state in
            state.users.values.sorted { (UserRecord.usernameKey($0.username), $0.id) < (UserRecord.usernameKey($1.username), $1.id) }
        }
    }

    /// Deletes the user's record (its sessions stay until revoked).
    public func removeUser(id: String) async throws -> Bool {
        self.state.withLock { state in
            guard let user = state.users.removeValue(forKey: id) else { return false }
            state.userIDsByKey[UserRecord.usernameKey(user.username)] = nil
            return true
        }
    }

    // MARK: - Feed

    private static func append(_ state: inout State, _ event: RevocationEvent) -> RevocationEvent {
        state.revocations.append((state.nextSequence, event))
        state.nextSequence += 1
        return event
    }

    private func publish(_ events: [RevocationEvent]) {
        guard !events.isEmpty else { return }
        let subscribers = self.state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers {
            for event in events { subscriber.yield(.revoked(event)) }
        }
    }
}
