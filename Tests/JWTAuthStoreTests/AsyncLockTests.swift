import Synchronization
import Testing

@testable import JWTAuthSQL

@Suite("AsyncLock")
struct AsyncLockTests {
    final class Probe: Sendable {
        let state = Mutex((inside: false, overlaps: 0, entries: 0))
    }

    @Test("Holders never overlap, even when they suspend inside; every waiter gets its turn")
    func mutualExclusion() async throws {
        let lock = AsyncLock()
        let probe = Probe()
        // Enough waiters that the served prefix of the queue is dropped several times over.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<500 {
                group.addTask {
                    try await lock.withLock {
                        probe.state.withLock { state in
                            if state.inside { state.overlaps += 1 }
                            state.inside = true
                            state.entries += 1
                        }
                        await Task.yield()
                        probe.state.withLock { $0.inside = false }
                    }
                }
            }
            try await group.waitForAll()
        }
        let (_, overlaps, entries) = probe.state.withLock { $0 }
        #expect(overlaps == 0)
        #expect(entries == 500)
    }
}
