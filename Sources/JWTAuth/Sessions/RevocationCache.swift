import Synchronization

/// The revocations every verifier holds in memory, so that access tokens of revoked sessions
/// and users fail at once without a store round trip per request.
///
/// Entries are kept only as long as an access token issued before the revocation can live
/// (``retention``: the access-token lifetime plus the leeway), so the cache stays small.
public final class RevocationCache: Sendable {
    private struct State {
        /// Revoked session id → when the entry may be forgotten.
        var sessions: [String: NumericDate] = [:]
        /// User id → tokens issued before `cutoff` are revoked; forget after `keepUntil`.
        var users: [String: (cutoff: NumericDate, keepUntil: NumericDate)] = [:]
        var nextPrune = NumericDate(0)
    }

    /// How long an entry is kept after the revocation.
    public let retention: Duration
    private let state = Mutex(State())

    /// Creates an empty cache that keeps each entry for `retention` after its revocation.
    public init(retention: Duration) {
        self.retention = retention
    }

    /// Records a revocation (from this process or from the store's feed).
    public func record(_ event: RevocationEvent) {
        let keepUntil = event.at + self.retention
        self.state.withLock { state in
            switch event.kind {
            case .session:
                state.sessions[event.subject] = max(state.sessions[event.subject] ?? keepUntil, keepUntil)
            case .user:
                // Tokens issued in an earlier second than the revocation are cut off; tokens of
                // the same second are caught by their session's own revocation.
                let cutoff = NumericDate(event.at.wholeSeconds)
                if let existing = state.users[event.subject], existing.cutoff >= cutoff { return }
                state.users[event.subject] = (cutoff, keepUntil)
            case .key:
                // A revoked key leaves the verifiers' key sets (``KeyRing``); its tokens then
                // fail their signature check, whatever their session.
                return
            }
        }
    }

    /// True when a token of this session and user, issued at `issuedAt`, has been revoked.
    public func isRevoked(sessionID: String?, userID: String?, issuedAt: NumericDate?, now: NumericDate) -> Bool {
        self.state.withLock { state in
            if now >= state.nextPrune { Self.prune(&state, now: now, interval: self.retention) }
            if let sessionID, state.sessions[sessionID] != nil { return true }
            if let userID, let user = state.users[userID] {
                // No iat: cannot be shown to postdate the revocation.
                guard let issuedAt else { return true }
                return issuedAt < user.cutoff
            }
            return false
        }
    }

    /// Forgets entries that can no longer matter.
    public func prune(now: NumericDate) {
        self.state.withLock { Self.prune(&$0, now: now, interval: self.retention) }
    }

    /// The number of entries held (sessions, users).
    public var count: (sessions: Int, users: Int) {
        self.state.withLock { ($0.sessions.count, $0.users.count) }
    }

    private static func prune(_ state: inout State, now: NumericDate, interval: Duration) {
        state.sessions = state.sessions.filter { $0.value > now }
        state.users = state.users.filter { $0.value.keepUntil > now }
        // Pruning is O(n); doing it at most once per tenth of the retention keeps the
        // per-request cost to a lookup.
        state.nextPrune = now + .seconds(max(1, interval.seconds / 10))
    }
}
