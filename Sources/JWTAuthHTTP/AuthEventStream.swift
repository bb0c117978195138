import JWTAuth
import Synchronization

/// The live half of `GET /oauth/revocations`: catch-up, `ready`, then revocations and
/// heartbeats until the reader goes away, the server shuts down or the reader's own token
/// would no longer verify (expired, revoked, its key gone).
///
/// The adapter runs ``run(write:)`` for the response body and calls ``cancel()`` when the client
/// disconnects and ``shutdown()`` when the server stops; either ends the stream at once rather
/// than at the next write.
public final class AuthEventStream: Sendable {
    private let sessions: SessionManager
    private let reader: RevocationFeed.Reader
    private let after: RevocationCursor?
    private let heartbeat: Duration
    /// The subscription while it runs, or how it was ended before it started.
    private let state = Mutex<State>(.waiting)

    private enum State {
        case waiting
        case endedEarly(RevocationFeed.Subscription.Ending)
        case running(RevocationFeed.Subscription)
    }

    init(sessions: SessionManager, identity: AccessToken, after: RevocationCursor?, heartbeat: Duration) {
        self.sessions = sessions
        self.reader = sessions.feedReader(identity)
        self.after = after
        self.heartbeat = heartbeat
    }

    /// Writes the stream until it ends. `write` is called with whole events, one at a time.
    public func run(write: (String) async throws -> Void) async throws {
        let (catchUp, subscription) = self.sessions.feed.subscribe(after: self.after)
        let early: RevocationFeed.Subscription.Ending? = self.state.withLock { state in
            if case .endedEarly(let ending) = state { return ending }
            state = .running(subscription)
            return nil
        }
        if let early {
            subscription.end(early)
            return
        }
        defer { subscription.end() }
        // The catch-up (possibly the whole journal) is released once written, not kept for the
        // life of the stream.
        try await write(catchUp.serverSentEvents)
        // A catch-up that revokes the reader itself ends the stream once it is written.
        if catchUp.messages.contains(where: self.reader.isRevoked(by:)) { return }
        let sessions = self.sessions
        let reader = self.reader
        try await subscription.deliver(
            to: reader,
            heartbeat: self.heartbeat,
            isReaderRevoked: { sessions.isRevoked(reader) },
            write: write
        )
    }

    /// Ends the stream because the client went away.
    public func cancel() {
        self.end(.cancelled)
    }

    /// Ends the stream because the server is shutting down.
    public func shutdown() {
        self.end(.shutdown)
    }

    private func end(_ ending: RevocationFeed.Subscription.Ending) {
        let subscription = self.state.withLock { state -> RevocationFeed.Subscription? in
            switch state {
            case .waiting:
                state = .endedEarly(ending)
                return nil
            case .endedEarly:
                return nil
            case .running(let subscription):
                return subscription
            }
        }
        subscription?.end(ending)
    }
}
