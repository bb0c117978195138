import Synchronization

/// The revocations of a token server as a resumable stream, for services that verify its
/// tokens without sharing its store (the `GET /oauth/revocations` feed). Framework-agnostic:
/// an HTTP layer subscribes readers and encodes what they are sent
/// (``Message/serverSentEvent``, ``jsonPage(_:)``).
///
/// It is fed from three sides:
/// - ``append(_:position:)``: entries read from the session store's revocation log, with their
///   cursors. They form the journal that snapshots and resumes are served from; an entry stays
///   in it while tokens it revokes can still be alive (``retention``).
/// - ``publish(_:)``: revocations made in this process, or pushed by the store (Redis pub/sub,
///   PostgreSQL `NOTIFY`) before they are read from the log. Subscribers get them at once,
///   without a cursor; when the same revocation later arrives from the log, subscribers are sent
///   only its cursor (every live subscriber already has it in full: it was sent live, or in the
///   snapshot of anyone who connected since).
/// - ``updateRevokedKeys(_:)``: compromised signing keys, sent live when new and in every
///   snapshot.
///
/// Subscribers cost a few dozen bytes here: they share one queue of outgoing messages and each
/// keeps only its position in it. One that falls more than ``maximumBacklog`` messages behind
/// is ended (``Subscription/Ending/fellBehind``); it reconnects with its last cursor and
/// catches up from the journal, so nothing is lost.
public final class RevocationFeed: Sendable {
    /// How long an entry is kept: as long as an access token issued before it can be accepted.
    public let retention: Duration
    /// The most messages a subscriber may have waiting before it is ended.
    public let maximumBacklog: Int
    let clock: any UnixClock
    let state: Mutex<State>

    /// Creates an empty feed.
    ///
    /// - Parameters:
    ///   - retention: How long revocations matter (``SessionConfiguration/revocationRetention``).
    ///   - clock: The clock revocation times are compared with.
    ///   - maximumBacklog: How many messages a slow subscriber may be behind before it is ended.
    public init(retention: Duration, clock: any UnixClock = SystemClock(), maximumBacklog: Int = 10_000) {
        self.retention = retention
        self.clock = clock
        self.maximumBacklog = max(1, maximumBacklog)
        self.state = Mutex(State())
    }

    // MARK: - Input

    /// Adds entries read from the store's revocation log (oldest first) to the journal, and
    /// sends them to subscribers: in full, or only their cursor when they were published live.
    ///
    /// - Parameter position: Where the log was read up to (``RevocationBatch/cursor``), which
    ///   may be past the last entry; nil keeps the current position.
    public func append(_ entries: [RevocationLogEntry], position: RevocationCursor?) {
        let now = self.clock.now
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var messages: [Message] = []
            for entry in entries where state.cursorSequence[entry.cursor.value] == nil {
                state.journalAppend(entry)
                if state.pending.remove(entry.event) != nil {
                    messages.append(.cursor(entry.cursor))
                } else {
                    messages.append(.revocation(entry.event, cursor: entry.cursor))
                }
            }
            // The position is what readers resume from: never behind the journal's last entry.
            if let position = position ?? entries.last?.cursor { state.position = position }
            state.prune(now: now, retention: self.retention)
            return state.send(messages, maximumBacklog: self.maximumBacklog)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Sends a revocation to subscribers at once, before it is read from the log: one made in
    /// this process, or pushed by the store. A revocation already sent is ignored.
    public func publish(_ event: RevocationEvent) {
        guard event.kind != .key else { return }
        let now = self.clock.now
        guard event.at + self.retention > now else { return }
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.journaledEvents[event] == nil, state.pending.insert(event, now: now) else { return [] }
            return state.send([.revocation(event, cursor: nil)], maximumBacklog: self.maximumBacklog)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Sets the compromised signing keys (`kid` → when it was revoked). Keys not revoked
    /// before are sent to subscribers at once as `key-revoked`; all of them are in every
    /// snapshot. A key left out of a later call is no longer sent (its tokens have expired).
    public func updateRevokedKeys(_ keys: [String: NumericDate]) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let added = keys.filter { state.revokedKeys[$0.key] == nil }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
            state.revokedKeys = keys
            return state.send(
                added.map { .revocation(RevocationEvent(kind: .key, subject: $0.key, at: $0.value), cursor: nil) },
                maximumBacklog: self.maximumBacklog
            )
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: - Output

    /// What a reader that last saw `cursor` (nil for a new reader) must be sent: the
    /// revocations after it, or the whole snapshot when the cursor is unknown, then the cursor
    /// to continue from. For pollers (`?after=`); streams use ``subscribe(after:)``.
    public func catchUp(after cursor: RevocationCursor?) -> CatchUp {
        let now = self.clock.now
        return self.state.withLock { state in
            state.prune(now: now, retention: self.retention)
            return state.catchUp(after: cursor, now: now, retention: self.retention)
        }
    }

    /// Subscribes a reader that last saw `cursor` (nil for a new reader): its catch-up, and a
    /// subscription to every message from then on, with nothing missed or repeated between the
    /// two. The catch-up is returned apart so that it is not kept for the life of the stream.
    public func subscribe(after cursor: RevocationCursor?) -> (catchUp: CatchUp, subscription: Subscription) {
        let now = self.clock.now
        let (id, catchUp) = self.state.withLock { state in
            state.prune(now: now, retention: self.retention)
            let catchUp = state.catchUp(after: cursor, now: now, retention: self.retention)
            let id = state.nextSubscriberID
            state.nextSubscriberID += 1
            state.subscribers[id] = Subscriber(next: state.outboxEnd)
            return (id, catchUp)
        }
        return (catchUp, Subscription(feed: self, id: id))
    }

    /// The number of live subscribers.
    public var subscriberCount: Int {
        self.state.withLock { $0.subscribers.count }
    }

    /// The number of revocations in the journal.
    public var journalCount: Int {
        self.state.withLock { $0.journal.count - $0.journalHead }
    }
}

extension RevocationFeed {
    /// What a reader is sent before live messages: revocations, and the cursor for `ready`.
    public struct CatchUp: Sendable, Hashable {
        /// Log entries (with their cursors), then revocations not yet in the log, then revoked
        /// keys.
        public var messages: [Message]
        /// The position in the log the reader is at after these messages.
        public var cursor: RevocationCursor
        /// True when the reader's cursor was known and only what followed it was sent; false for
        /// a full snapshot.
        public var isResumed: Bool
    }

    struct Subscriber {
        /// The sequence number of the next outbox message to deliver.
        var next: UInt64
        var waiter: CheckedContinuation<Void, Never>? = nil
        var ending: Subscription.Ending? = nil
    }

    struct JournalEntry {
        var sequence: UInt64
        var entry: RevocationLogEntry
    }

    /// Revocations published live and not yet read from the log, in publication order.
    ///
    /// The log brings every one of them back, and each removes its own: removal must not scan
    /// the others (a burst of 10,000 revocations would make 10⁸ comparisons under the feed's
    /// lock). A removed revocation only leaves `members`; its entry in `order` is skipped when
    /// read and dropped at the next pruning, which the feed runs after every batch it appends.
    struct PendingEvents {
        private struct Entry {
            var event: RevocationEvent
            var publishedAt: NumericDate
            /// Tells this entry apart from one of a later publication of the same revocation.
            var number: UInt64
        }

        private var order: [Entry] = []
        /// The live revocations, each with the number of its entry in `order`.
        private var members: [RevocationEvent: UInt64] = [:]
        private var nextNumber: UInt64 = 0

        var events: [RevocationEvent] {
            self.order.compactMap { self.members[$0.event] == $0.number ? $0.event : nil }
        }

        mutating func insert(_ event: RevocationEvent, now: NumericDate) -> Bool {
            guard self.members[event] == nil else { return false }
            self.members[event] = self.nextNumber
            self.order.append(Entry(event: event, publishedAt: now, number: self.nextNumber))
            self.nextNumber += 1
            return true
        }

        mutating func remove(_ event: RevocationEvent) -> RevocationEvent? {
            self.members.removeValue(forKey: event) == nil ? nil : event
        }

        /// Drops removed revocations, and forgets ones that no longer matter and ones the log
        /// never delivered in a whole retention (a store that failed to append them).
        mutating func prune(now: NumericDate, retention: Duration) {
            guard !self.order.isEmpty else { return }
            var members = self.members
            self.order.removeAll { entry in
                guard members[entry.event] == entry.number else { return true }
                let stale = entry.event.at + retention <= now || entry.publishedAt + retention <= now
                if stale { members.removeValue(forKey: entry.event) }
                return stale
            }
            self.members = members
        }
    }

    struct State {
        var journal: [JournalEntry] = []
        var journalHead = 0
        var nextJournalSequence: UInt64 = 1
        var cursorSequence: [String: UInt64] = [:]
        var journaledEvents: [RevocationEvent: Int] = [:]
        var position = RevocationCursor("0")
        var pending = PendingEvents()
        var revokedKeys: [String: NumericDate] = [:]
        var outbox: [Message] = []
        /// The sequence number of `outbox[0]`.
        var outboxStart: UInt64 = 0
        var subscribers: [UInt64: Subscriber] = [:]
        var nextSubscriberID: UInt64 = 0

        var outboxEnd: UInt64 { self.outboxStart + UInt64(self.outbox.count) }

        mutating func journalAppend(_ entry: RevocationLogEntry) {
            let sequence = self.nextJournalSequence
            self.nextJournalSequence += 1
            self.journal.append(JournalEntry(sequence: sequence, entry: entry))
            self.cursorSequence[entry.cursor.value] = sequence
            self.journaledEvents[entry.event, default: 0] += 1
        }

        mutating func prune(now: NumericDate, retention: Duration) {
            // The log is in time order, give or take clock skew between instances: dropping from
            // the front is enough, and a late straggler is dropped with the next old entry.
            while self.journalHead < self.journal.count, self.journal[self.journalHead].entry.event.at + retention <= now {
                let old = self.journal[self.journalHead].entry
                self.cursorSequence.removeValue(forKey: old.cursor.value)
                if let count = self.journaledEvents[old.event], count > 1 {
                    self.journaledEvents[old.event] = count - 1
                } else {
                    self.journaledEvents.removeValue(forKey: old.event)
                }
                self.journalHead += 1
            }
            if self.journalHead > 64, self.journalHead * 2 > self.journal.count {
                self.journal.removeFirst(self.journalHead)
                self.journalHead = 0
            }
            self.pending.prune(now: now, retention: retention)
        }

        func catchUp(after cursor: RevocationCursor?, now: NumericDate, retention: Duration) -> CatchUp {
            func relevant(_ event: RevocationEvent) -> Bool { event.at + retention > now }
            var start = self.journalHead
            var resumed = false
            if let cursor {
                if let sequence = self.cursorSequence[cursor.value], let first = self.journal[self.journalHead...].first {
                    start = self.journalHead + Int(sequence - first.sequence) + 1
                    resumed = true
                } else if cursor == self.position {
                    start = self.journal.count
                    resumed = true
                }
            }
            var messages: [Message] = []
            for item in self.journal[start...] where relevant(item.entry.event) {
                messages.append(.revocation(item.entry.event, cursor: item.entry.cursor))
            }
            for event in self.pending.events where relevant(event) {
                messages.append(.revocation(event, cursor: nil))
            }
            for (kid, at) in self.revokedKeys.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
                messages.append(.revocation(RevocationEvent(kind: .key, subject: kid, at: at), cursor: nil))
            }
            return CatchUp(messages: messages, cursor: self.position, isResumed: resumed)
        }

        /// Queues messages for every subscriber, ends those too far behind, and returns the
        /// waiters to wake (outside the lock).
        mutating func send(_ messages: [Message], maximumBacklog: Int) -> [CheckedContinuation<Void, Never>] {
            guard !messages.isEmpty else { return [] }
            guard !self.subscribers.isEmpty else {
                // Nobody to deliver to: the queue stays empty, only its numbering moves on.
                self.outboxStart += UInt64(self.outbox.count + messages.count)
                self.outbox.removeAll()
                return []
            }
            self.outbox.append(contentsOf: messages)
            var waiters: [CheckedContinuation<Void, Never>] = []
            let oldestKept = self.outboxEnd - UInt64(min(self.outbox.count, maximumBacklog))
            var lowest = self.outboxEnd
            for (id, var subscriber) in self.subscribers {
                if subscriber.next < oldestKept {
                    subscriber.ending = .fellBehind
                } else {
                    lowest = min(lowest, subscriber.next)
                }
                if let waiter = subscriber.waiter {
                    waiters.append(waiter)
                    subscriber.waiter = nil
                }
                self.subscribers[id] = subscriber
            }
            self.trimOutbox(below: lowest)
            return waiters
        }

        mutating func trimOutbox(below sequence: UInt64) {
            let drop = Int(min(sequence, self.outboxEnd) - min(self.outboxStart, sequence))
            guard drop > 0 else { return }
            self.outbox.removeFirst(drop)
            self.outboxStart += UInt64(drop)
        }

        /// The messages waiting for subscriber `id` (all of them, advancing it), or why it ended.
        mutating func take(_ id: UInt64) -> Subscription.Delivery {
            guard var subscriber = self.subscribers[id] else { return .ended(.cancelled) }
            if let ending = subscriber.ending { return .ended(ending) }
            let start = Int(subscriber.next - self.outboxStart)
            let messages = Array(self.outbox[start...])
            subscriber.next = self.outboxEnd
            self.subscribers[id] = subscriber
            // Delivered messages leave the queue at the next send, which trims it to the slowest
            // subscriber once for everyone rather than once per reader.
            return messages.isEmpty ? .timeout : .messages(messages)
        }
    }
}
