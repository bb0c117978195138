import Synchronization

/// A first-come, first-served lock that can be held across `await`s.
///
/// An actor is not enough to keep a transaction's statements together: actors are reentrant
/// at every suspension point, so another task's statements could land between `BEGIN` and
/// `COMMIT` on the shared SQLite connection. Visible to the package's other modules, which
/// serialize their own asynchronous work with it (key reloads).
package final class AsyncLock: Sendable {
    private struct State {
        var isLocked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = Mutex(State())

    /// Creates an unlocked lock.
    package init() {}

    /// Runs `body` while holding the lock; callers are served in arrival order.
    package func withLock<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        await self.lock()
        defer { self.unlock() }
        return try await body()
    }

    private func lock() async {
        let acquired = self.state.withLock { state -> Bool in
            guard state.isLocked else {
                state.isLocked = true
                return true
            }
            return false
        }
        if acquired { return }
        await withCheckedContinuation { continuation in
            let acquiredNow = self.state.withLock { state -> Bool in
                // The holder may have released it while this task was suspending.
                guard state.isLocked else {
                    state.isLocked = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if acquiredNow { continuation.resume() }
        }
    }

    private func unlock() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiters.count else {
                state.isLocked = false
                state.waiters.removeAll(keepingCapacity: true)
                state.head = 0
                return nil
            }
            // Ownership passes straight to the next waiter; the lock stays held.
            let next = state.waiters[state.head]
            state.head += 1
            // Under sustained load the queue may never drain: drop the served prefix once it
            // is half the array, so memory stays proportional to the tasks actually waiting.
            if state.head >= 64, state.head * 2 >= state.waiters.count {
                state.waiters.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        next?.resume()
    }
}
