import JWTAuth
import Synchronization

/// Runs work with a deadline that holds even when the work ignores cancellation (a connection
/// pool waiting for a database that is down): the caller gets `store_unavailable` on time,
/// and the abandoned work is cancelled and left to finish in the background.
enum Deadline {
    static func run<Result: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let work = Task { try await body() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                let gate = Gate(continuation)
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    if !Task.isCancelled, gate.resume(with: .failure(JWTAuthError(.storeUnavailable, "the database did not answer in time"))) {
                        work.cancel()
                    }
                }
                Task {
                    let result = await work.result
                    timer.cancel()
                    gate.resume(with: result)
                }
            }
        } onCancel: {
            work.cancel()
        }
    }

    /// Resumes a continuation at most once.
    private final class Gate<Result: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<Result, any Error>?>

        init(_ continuation: CheckedContinuation<Result, any Error>) {
            self.continuation = Mutex(continuation)
        }

        @discardableResult
        func resume(with result: Swift.Result<Result, any Error>) -> Bool {
            guard
                let continuation = self.continuation.withLock({ value -> CheckedContinuation<Result, any Error>? in
                    defer { value = nil }
                    return value
                })
            else { return false }
            continuation.resume(with: result)
            return true
        }
    }
}
