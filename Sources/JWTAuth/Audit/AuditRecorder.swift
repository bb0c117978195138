public import Logging
import Synchronization

/// The ``AuditLog`` that keeps events in an ``AuditStore``: ``record(_:)`` only appends to an
/// in-memory queue, and ``run()`` writes the queue in batches in the background, so a login
/// never waits for the audit write (nor contends for the database once per event).
///
/// Nothing queued is lost on a graceful shutdown: when ``run()`` is cancelled it writes what is
/// left before it returns. Call ``flush()`` directly where there is no background loop (a
/// command-line tool writes its one event and flushes before it closes the store).
public final class AuditRecorder: AuditLog {
    /// How the recorder batches and prunes.
    public struct Configuration: Sendable, Hashable {
        /// How often the queue is written (default 200 ms): the delay before an event shows in
        /// the store.
        public var flushInterval: Duration = .milliseconds(200)
        /// The most events written in one statement (default 500).
        public var batchSize = 500
        /// The most events held while the store cannot be written (default 100,000); beyond
        /// it the oldest are dropped and the drop is logged as an error.
        public var maximumPending = 100_000
        /// How long events are kept (default 90 days); nil keeps them for ever.
        public var retention: Duration? = .seconds(90 * 86_400)
        /// How often events past the retention are deleted (default hourly).
        public var pruneInterval: Duration = .seconds(3_600)
        /// Creates the default configuration.
        public init() {}
    }

    private struct State {
        var pending: [AuditEvent] = []
        var dropped = 0
    }

    /// Where events are written.
    public let store: any AuditStore
    /// How the recorder batches and prunes.
    public let configuration: Configuration
    private let output: (@Sendable (AuditEvent) -> Void)?
    private let clock: any UnixClock
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates a recorder.
    ///
    /// - Parameters:
    ///   - store: Where events are written.
    ///   - configuration: Batching and retention.
    ///   - output: Also called with every event as it is written, in the background (the
    ///     server's `--audit-log stdout` prints each as a JSON line).
    ///   - clock: The time pruning compares the retention with.
    ///   - logger: Where write failures are reported (never with an event's contents).
    public init(
        store: any AuditStore,
        configuration: Configuration = Configuration(),
        output: (@Sendable (AuditEvent) -> Void)? = nil,
        clock: any UnixClock = SystemClock(),
        logger: Logger = Logger(label: "jwtauth.audit")
    ) {
        self.store = store
        self.configuration = configuration
        self.output = output
        self.clock = clock
        self.logger = logger
    }

    /// Queues the event for the next write.
    public func record(_ event: AuditEvent) {
        let maximum = max(1, self.configuration.maximumPending)
        self.state.withLock { state in
            state.pending.append(event)
            if state.pending.count > maximum {
                let excess = state.pending.count - maximum
                state.pending.removeFirst(excess)
                state.dropped += excess
            }
        }
    }

    /// How many events wait to be written.
    public var pendingCount: Int { self.state.withLock { $0.pending.count } }

    /// Writes every queued event. A batch the store refuses goes back to the front of the
    /// queue (for the next attempt) and the error is thrown.
    public func flush() async throws {
        while true {
            let (batch, dropped) = self.state.withLock { state -> ([AuditEvent], Int) in
                let batch = Array(state.pending.prefix(max(1, self.configuration.batchSize)))
                state.pending.removeFirst(batch.count)
                defer { state.dropped = 0 }
                return (batch, state.dropped)
            }
            if dropped > 0 {
                self.logger.error("audit events dropped: the store could not be written for too long", metadata: ["dropped": "\(dropped)"])
            }
            guard !batch.isEmpty else { return }
            do {
                try await self.store.appendAuditEvents(batch)
            } catch {
                self.state.withLock { $0.pending.insert(contentsOf: batch, at: 0) }
                throw error
            }
            if let output = self.output {
                for event in batch { output(event) }
            }
        }
    }

    /// Writes the queue every ``Configuration/flushInterval`` and prunes past the retention,
    /// until cancelled; then writes what is left (in a task of its own, so the cancellation
    /// does not stop the last write) and returns.
    public func run() async {
        var nextPrune = self.clock.now
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: self.configuration.flushInterval)
            } catch {
                break
            }
            await self.flushLogging()
            if let retention = self.configuration.retention, self.clock.now >= nextPrune {
                nextPrune = self.clock.now + self.configuration.pruneInterval
                do {
                    try await self.store.pruneAuditEvents(before: self.clock.now - retention)
                } catch {
                    self.logger.warning("pruning the audit log failed; will try again", metadata: ["error": "\(error)"])
                }
            }
        }
        await Task { await self.flushLogging() }.value
    }

    private func flushLogging() async {
        do {
            try await self.flush()
        } catch {
            self.logger.warning("writing the audit log failed; the events stay queued", metadata: ["error": "\(error)", "pending": "\(self.pendingCount)"])
        }
    }
}
