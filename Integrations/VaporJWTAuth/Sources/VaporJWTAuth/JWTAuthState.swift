import JWTAuth
import JWTAuthHTTP
import Synchronization

/// What `app.jwtAuth.use(…)` set up: the verifier, the engine and routes when the app issues
/// tokens, and the background work (key and revocation following) that runs from boot to
/// shutdown.
final class JWTAuthState: Sendable {
    let verifier: any AccessTokenVerifier
    let verifications: OutcomeCounter?
    let sessions: SessionManager?
    let accounts: AccountManager?
    let endpoints: AuthEndpoints?
    let problems: @Sendable () -> [String]
    let streams = EventStreams()
    private let background: [@Sendable () async -> Void]
    private let close: @Sendable () async -> Void
    private let tasks = Mutex<Tasks>(.notStarted)

    private enum Tasks {
        case notStarted
        case running([Task<Void, Never>])
        case stopped
    }

    init(
        verifier: any AccessTokenVerifier,
        verifications: OutcomeCounter? = nil,
        sessions: SessionManager? = nil,
        accounts: AccountManager? = nil,
        endpoints: AuthEndpoints? = nil,
        problems: @escaping @Sendable () -> [String] = { [] },
        background: [@Sendable () async -> Void] = [],
        close: @escaping @Sendable () async -> Void = {}
    ) {
        self.verifier = verifier
        self.verifications = verifications
        self.sessions = sessions
        self.accounts = accounts
        self.endpoints = endpoints
        self.problems = problems
        self.background = background
        self.close = close
    }

    /// Starts the background work once (boot may be reported both ways).
    func start() {
        self.tasks.withLock { tasks in
            guard case .notStarted = tasks else { return }
            tasks = .running(self.background.map { work in Task { await work() } })
        }
    }

    /// Ends the feed streams and the background work, without waiting (a synchronous shutdown).
    @discardableResult
    func cancel() -> [Task<Void, Never>] {
        self.streams.shutdown()
        return self.tasks.withLock { tasks in
            defer { tasks = .stopped }
            guard case .running(let running) = tasks else { return [] }
            for task in running { task.cancel() }
            return running
        }
    }

    /// Ends everything, waits for the background work to stop, then closes the stores.
    func shutdown() async {
        for task in self.cancel() { await task.value }
        await self.close()
    }
}
