import Synchronization

/// Lets a few password hashes of one kind run at a time and queues the rest, so that a flood
/// of registrations (each a full bcrypt hash) can take only part of the hashing threads and
/// logins keep the others. Past a bounded queue it refuses instead of piling up.
final class PasswordWorkQueue: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let width: Int
    private let maximumWaiting: Int
    private let state = Mutex(State())

    init(width: Int, maximumWaiting: Int) {
        self.width = max(1, width)
        self.maximumWaiting = maximumWaiting
    }

    /// Runs `work` when a slot is free; throws `rate_limited` when the queue is full.
    func run<Result: Sendable>(_ work: () async throws -> Result) async throws -> Result {
        try await self.acquire()
        defer { self.release() }
        return try await work()
    }

    private func acquire() async throws(JWTAuthError) {
        enum Decision { case run, wait, refuse }
        let decision = self.state.withLock { state -> Decision in
            if state.running < self.width {
                state.running += 1
                return .run
            }
            return state.waiting.count < self.maximumWaiting ? .wait : .refuse
        }
        switch decision {
        case .run:
            return
        case .refuse:
            throw JWTAuthError(.rateLimited, "too many registrations at once; try again shortly", retryAfter: .seconds(1))
        case .wait:
            await withCheckedContinuation { continuation in
                let admitted = self.state.withLock { state -> Bool in
                    // A slot may have come free between the decision and here.
                    if state.running < self.width {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
        }
    }

    private func release() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            // The slot passes straight to the first waiter; `running` stays the same.
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
