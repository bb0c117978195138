import JWTAuth
import Synchronization

/// Runs the key reload that a token with an unknown `kid` asks for at most once per cooldown
/// (on the injected clock), and lets every request that asks meanwhile wait for the reload in
/// flight instead of starting its own: a flood of made-up `kid`s costs one reload a second.
final class ReloadLimiter: Sendable {
    private struct State {
        var inFlight: Task<Void, Never>?
        var lastStart: NumericDate?
    }

    let cooldown: Duration
    let clock: any UnixClock
    private let state = Mutex(State())

    init(cooldown: Duration = .seconds(1), clock: any UnixClock) {
        self.cooldown = cooldown
        self.clock = clock
    }

    /// Runs `reload` unless one ran less than a cooldown ago; waits for one already running.
    func reload(_ reload: @escaping @Sendable () async -> Void) async {
        let task = self.state.withLock { state -> Task<Void, Never>? in
            if let running = state.inFlight { return running }
            let now = self.clock.now
            if let last = state.lastStart, now < last + self.cooldown { return nil }
            state.lastStart = now
            let task = Task {
                await reload()
                self.state.withLock { $0.inFlight = nil }
            }
            state.inFlight = task
            return task
        }
        await task?.value
    }
}
