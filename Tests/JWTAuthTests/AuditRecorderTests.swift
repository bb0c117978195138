import JWTAuth
import Synchronization
import Testing

/// The audit recorder: queued writes, nothing lost when it stops, retention.
@Suite("Audit recorder")
struct AuditRecorderTests {
    static func event(_ index: Int) -> AuditEvent {
        AuditEvent(time: NumericDate(1_800_000_000 + Int64(index)), kind: .loginSucceeded, userID: "u-\(index)")
    }

    @Test("Recording never writes by itself; stopping the background loop writes everything queued")
    func flushOnStop() async throws {
        let store = MemoryStore()
        var configuration = AuditRecorder.Configuration()
        // Never due during the test: only the final write on stop can store the events.
        configuration.flushInterval = .seconds(3600)
        configuration.batchSize = 7
        let recorder = AuditRecorder(store: store, configuration: configuration, clock: ManualClock(NumericDate(1_800_000_000)))
        let loop = Task { await recorder.run() }
        for index in 0..<50 { recorder.record(Self.event(index)) }
        #expect(try await store.auditEvents(matching: AuditQuery()).entries.isEmpty)
        #expect(recorder.pendingCount == 50)
        loop.cancel()
        await loop.value
        let stored = try await store.auditEvents(matching: AuditQuery(limit: 1000)).entries.map(\.event)
        #expect(stored == (0..<50).map(Self.event))
        #expect(recorder.pendingCount == 0)
    }

    @Test("A write the store refuses keeps the events queued, in order, for the next one")
    func failedWriteKeepsEvents() async throws {
        final class FailingOnce: AuditStore {
            let base = MemoryStore()
            let failures = Mutex(1)
            func appendAuditEvents(_ events: [AuditEvent]) async throws {
                let fail = self.failures.withLock { count in
                    defer { count -= 1 }
                    return count > 0
                }
                if fail { throw JWTAuthError(.storeUnavailable, "down") }
                try await self.base.appendAuditEvents(events)
            }
            func auditEvents(matching query: AuditQuery) async throws -> AuditPage { try await self.base.auditEvents(matching: query) }
            func pruneAuditEvents(before cutoff: NumericDate) async throws -> Int { try await self.base.pruneAuditEvents(before: cutoff) }
        }
        let store = FailingOnce()
        let recorder = AuditRecorder(store: store)
        for index in 0..<3 { recorder.record(Self.event(index)) }
        await #expect(throws: JWTAuthError.self) { try await recorder.flush() }
        recorder.record(Self.event(3))
        try await recorder.flush()
        #expect(try await store.auditEvents(matching: AuditQuery()).entries.map(\.event) == (0..<4).map(Self.event))
    }

    @Test("The background loop prunes events older than the retention")
    func retention() async throws {
        let store = MemoryStore()
        let now = NumericDate(1_800_000_000)
        try await store.appendAuditEvents([
            AuditEvent(time: now - .seconds(91 * 86_400), kind: .logout),
            AuditEvent(time: now - .seconds(89 * 86_400), kind: .logoutAll),
        ])
        var configuration = AuditRecorder.Configuration()
        configuration.flushInterval = .milliseconds(5)
        let recorder = AuditRecorder(store: store, configuration: configuration, clock: ManualClock(now))
        let loop = Task { await recorder.run() }
        defer { loop.cancel() }
        let deadline = ContinuousClock.now + .seconds(20)
        while try await store.auditEvents(matching: AuditQuery()).entries.count != 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try await store.auditEvents(matching: AuditQuery()).entries.map(\.event.kind) == [.logoutAll])
    }

    @Test("Cursors are decimal sequence numbers; anything else is invalid_input")
    func cursors() throws {
        #expect(try AuditCursor(parsing: "42").sequence == 42)
        for bad in ["", "-1", "1e3", " 1", "abc", "1234567890123456789", "٣"] {
            #expect(throws: JWTAuthError.self, "\(bad)") { try AuditCursor(parsing: bad) }
        }
        #expect(AuditEventKind(named: "login_failed") == .loginFailed)
        #expect(AuditEventKind(named: "LOGIN_FAILED") == nil)
        #expect(AuditEventKind.all.count == 15)
    }
}
