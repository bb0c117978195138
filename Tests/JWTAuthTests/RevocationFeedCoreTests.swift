import Synchronization
import Testing

@testable import JWTAuth

/// The revocation feed's journal, live delivery and encodings, without any HTTP: what a
/// reader is sent on connecting, after a cursor, and live.
@Suite("Revocation feed (core)")
struct RevocationFeedCoreTests {
    static let start = NumericDate(1_800_000_000)
    /// The default session configuration's retention: 300 s + 60 s + 1 s.
    static let retention = Duration.seconds(361)

    static func session(_ id: String, at offset: Int = 0) -> RevocationEvent {
        RevocationEvent(kind: .session, subject: id, at: Self.start + .seconds(offset))
    }

    static func entry(_ cursor: Int, _ event: RevocationEvent) -> RevocationLogEntry {
        RevocationLogEntry(cursor: RevocationCursor(String(cursor)), event: event)
    }

    static func feed(_ clock: ManualClock, maximumBacklog: Int = 10_000) -> RevocationFeed {
        RevocationFeed(retention: Self.retention, clock: clock, maximumBacklog: maximumBacklog)
    }

    /// The revocations of messages, with their cursors (nil for live ones).
    static func revocations(_ messages: [RevocationFeed.Message]) -> [(RevocationEvent, String?)] {
        messages.compactMap { message in
            guard case .revocation(let event, let cursor) = message else { return nil }
            return (event, cursor?.value)
        }
    }

    /// The next delivery, which must be messages.
    static func nextMessages(
        _ subscription: RevocationFeed.Subscription,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [RevocationFeed.Message] {
        let delivery = await subscription.next(timeout: .seconds(10))
        guard case .messages(let messages) = delivery else {
            Issue.record("expected messages, got \(delivery)", sourceLocation: sourceLocation)
            return []
        }
        return messages
    }

    @Test("A new reader gets the log's entries with their cursors, live revocations not yet logged and revoked keys, then the log position")
    func snapshot() async throws {
        let clock = ManualClock(Self.start + .seconds(10))
        let feed = Self.feed(clock)
        feed.append(
            [Self.entry(1, Self.session("s-1")), Self.entry(2, RevocationEvent(kind: .user, subject: "u-1", at: Self.start + .seconds(1)))],
            position: RevocationCursor("2")
        )
        feed.publish(Self.session("s-live", at: 5))
        feed.updateRevokedKeys(["kid-b": Self.start + .seconds(3), "kid-a": Self.start + .seconds(2)])

        let catchUp = feed.catchUp(after: nil)
        #expect(!catchUp.isResumed)
        #expect(catchUp.cursor == RevocationCursor("2"))
        let revocations = Self.revocations(catchUp.messages)
        #expect(revocations.map(\.0.subject) == ["s-1", "u-1", "s-live", "kid-a", "kid-b"])
        #expect(revocations.map(\.1) == ["1", "2", nil, nil, nil])
        #expect(revocations.map(\.0.kind) == [.session, .user, .session, .key, .key])
    }

    @Test("A known cursor resumes after it; an unknown one, or none, gets the whole snapshot")
    func resume() async throws {
        let clock = ManualClock(Self.start + .seconds(10))
        let feed = Self.feed(clock)
        feed.append((1...5).map { Self.entry($0, Self.session("s-\($0)", at: $0)) }, position: RevocationCursor("7"))

        let resumed = feed.catchUp(after: RevocationCursor("3"))
        #expect(resumed.isResumed)
        #expect(Self.revocations(resumed.messages).map(\.1) == ["4", "5"])
        #expect(resumed.cursor == RevocationCursor("7"))

        // The position itself is known even without an entry there: nothing follows it.
        let atEnd = feed.catchUp(after: RevocationCursor("7"))
        #expect(atEnd.isResumed && atEnd.messages.isEmpty)

        for unknown in ["6", "99", "0", "another-deployment"] {
            let snapshot = feed.catchUp(after: RevocationCursor(unknown))
            #expect(!snapshot.isResumed, "\(unknown)")
            #expect(Self.revocations(snapshot.messages).map(\.1) == ["1", "2", "3", "4", "5"], "\(unknown)")
        }
    }

    @Test("Entries leave the journal once the tokens they revoke have expired, and their cursors become unknown")
    func pruning() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        feed.append([Self.entry(1, Self.session("old")), Self.entry(2, Self.session("new", at: 100))], position: nil)
        clock.advance(by: Self.retention)
        let catchUp = feed.catchUp(after: nil)
        #expect(Self.revocations(catchUp.messages).map(\.0.subject) == ["new"])
        #expect(feed.journalCount == 1)
        #expect(!feed.catchUp(after: RevocationCursor("1")).isResumed, "a pruned cursor is unknown: the reader gets the snapshot")
        #expect(feed.catchUp(after: RevocationCursor("2")).isResumed)
        // A live revocation that is already too old to matter is not sent at all.
        feed.publish(Self.session("ancient"))
        #expect(Self.revocations(feed.catchUp(after: nil).messages).map(\.0.subject) == ["new"])
    }

    @Test("Live: a revocation goes out at once without a cursor; when the log brings it, only its cursor follows")
    func liveThenCursor() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        let (catchUp, subscription) = feed.subscribe(after: nil)
        #expect(catchUp.messages.isEmpty)
        #expect(catchUp.cursor == RevocationCursor("0"), "an empty log still has a position to resume from")

        feed.publish(Self.session("s-1"))
        // The same revocation pushed by the store after it was made here is not sent again.
        feed.publish(Self.session("s-1"))
        #expect(try await Self.nextMessages(subscription) == [.revocation(Self.session("s-1"), cursor: nil)])

        feed.append([Self.entry(1, Self.session("s-1")), Self.entry(2, Self.session("s-2"))], position: RevocationCursor("2"))
        #expect(
            try await Self.nextMessages(subscription) == [
                .cursor(RevocationCursor("1")),
                .revocation(Self.session("s-2"), cursor: RevocationCursor("2")),
            ]
        )
        // Pushed after the log already had it: nothing more to send.
        feed.publish(Self.session("s-2"))
        #expect(await subscription.next(timeout: .milliseconds(20)) == .timeout)

        // A reader connecting now gets both with their cursors, as log entries.
        #expect(Self.revocations(feed.catchUp(after: nil).messages).map(\.1) == ["1", "2"])
    }

    @Test("A burst of 10,000 live revocations, then the log bringing them back: subscribers get each in full once, then its cursor alone")
    func burst() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock, maximumBacklog: 30_000)
        let subscription = feed.subscribe(after: nil).subscription
        let events = (0..<10_000).map { Self.session("s-\($0)") }
        for event in events { feed.publish(event) }
        #expect(Self.revocations(feed.catchUp(after: nil).messages).count == 10_000, "all pending, in the snapshot")
        // The log brings them back in another order, in pages.
        let entries = events.reversed().enumerated().map { Self.entry($0.offset + 1, $0.element) }
        for page in stride(from: 0, to: entries.count, by: 1000) {
            feed.append(Array(entries[page..<(page + 1000)]), position: nil)
        }
        let messages = try await Self.nextMessages(subscription)
        #expect(messages.count == 20_000)
        #expect(Self.revocations(Array(messages.prefix(10_000))).map(\.0) == events)
        #expect(messages.dropFirst(10_000).allSatisfy { if case .cursor = $0 { true } else { false } })
        // Nothing is pending any more: a new reader gets each once, with its cursor.
        let snapshot = Self.revocations(feed.catchUp(after: nil).messages)
        #expect(snapshot.count == 10_000 && snapshot.allSatisfy { $0.1 != nil })
        // Published again after the log has it: not sent again.
        feed.publish(events[0])
        #expect(await subscription.next(timeout: .milliseconds(20)) == .timeout)
    }

    @Test("A subscriber misses nothing between its catch-up and the live messages, and gets nothing twice")
    func noGapNoRepeat() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        feed.append([Self.entry(1, Self.session("before"))], position: nil)
        feed.publish(Self.session("pending"))
        let (catchUp, subscription) = feed.subscribe(after: nil)
        #expect(Self.revocations(catchUp.messages).map(\.0.subject) == ["before", "pending"])
        feed.append([Self.entry(2, Self.session("pending")), Self.entry(3, Self.session("after"))], position: nil)
        #expect(
            try await Self.nextMessages(subscription) == [
                .cursor(RevocationCursor("2")),
                .revocation(Self.session("after"), cursor: RevocationCursor("3")),
            ]
        )
        #expect(catchUp.cursor == RevocationCursor("1"))
    }

    @Test("Revoked keys: new ones go out live, every one is in each snapshot, and one left out is no longer sent")
    func keys() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        let subscription = feed.subscribe(after: nil).subscription
        feed.updateRevokedKeys(["k1": Self.start])
        #expect(try await Self.nextMessages(subscription) == [.revocation(RevocationEvent(kind: .key, subject: "k1", at: Self.start), cursor: nil)])
        feed.updateRevokedKeys(["k1": Self.start, "k2": Self.start + .seconds(1)])
        #expect(
            try await Self.nextMessages(subscription) == [.revocation(RevocationEvent(kind: .key, subject: "k2", at: Self.start + .seconds(1)), cursor: nil)]
        )
        // Resuming readers get the keys again too: key revocations have no cursor.
        feed.append([Self.entry(1, Self.session("s"))], position: nil)
        #expect(Self.revocations(feed.catchUp(after: RevocationCursor("1")).messages).map(\.0.subject) == ["k1", "k2"])
        feed.updateRevokedKeys(["k2": Self.start + .seconds(1)])
        #expect(Self.revocations(feed.catchUp(after: RevocationCursor("1")).messages).map(\.0.subject) == ["k2"])
    }

    @Test("A subscriber too far behind is ended and reconnects from its cursor; the others keep every message")
    func fellBehind() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock, maximumBacklog: 3)
        let slow = feed.subscribe(after: nil).subscription
        let fast = feed.subscribe(after: nil).subscription
        for index in 1...6 {
            feed.append([Self.entry(index, Self.session("s-\(index)"))], position: nil)
            if index % 2 == 0 { #expect(try await Self.nextMessages(fast).count == 2) }
        }
        #expect(await slow.next(timeout: .seconds(10)) == .ended(.fellBehind))
        #expect(feed.subscriberCount == 1, "the ended subscriber left the feed")
        // What it missed is in the journal.
        #expect(Self.revocations(feed.catchUp(after: RevocationCursor("0")).messages).count == 6)
    }

    @Test("next(timeout:) times out when nothing happens and returns at once when the subscription is ended")
    func waitingAndEnding() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        let subscription = feed.subscribe(after: nil).subscription
        #expect(await subscription.next(timeout: .milliseconds(10)) == .timeout)
        async let waiting = subscription.next(timeout: .seconds(600))
        // The waiter is parked (or about to be); ending it must wake it either way.
        subscription.end(.shutdown)
        #expect(await waiting == .ended(.shutdown))
        #expect(feed.subscriberCount == 0)

        var released: RevocationFeed.Subscription? = feed.subscribe(after: nil).subscription
        #expect(feed.subscriberCount == 1)
        released = nil
        #expect(released == nil && feed.subscriberCount == 0, "a released subscription leaves the feed")
    }

    @Test("A waiting subscriber wakes for a message published from another task")
    func wakesForMessages() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        let subscription = feed.subscribe(after: nil).subscription
        async let delivery = subscription.next(timeout: .seconds(600))
        feed.publish(Self.session("s-1"))
        #expect(await delivery == .messages([.revocation(Self.session("s-1"), cursor: nil)]))
    }

    /// What a delivery wrote, and whether its reader counts as revoked.
    final class Reader: Sendable {
        let written = Mutex<[String]>([])
        let revoked = Mutex(false)
        let finished = Mutex(false)

        var text: String { self.written.withLock { $0.joined() } }

        /// Waits (boundedly) until the written text contains `fragment`.
        func waitFor(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for _ in 0..<2000 where !self.text.contains(fragment) { try await Task.sleep(for: .milliseconds(5)) }
            #expect(self.text.contains(fragment), "written: \(self.text)", sourceLocation: sourceLocation)
        }
    }

    /// A client's reader, its token issued at the start and signed by the key `kid-1`.
    static func reader(deadline: NumericDate = Self.start + .seconds(86400)) -> RevocationFeed.Reader {
        RevocationFeed.Reader(
            subject: "c_reader",
            sessionID: nil,
            issuedAt: Self.start,
            key: KeyRing.HeldKey(algorithm: .es256, keyID: "kid-1", thumbprint: "t"),
            deadline: deadline
        )
    }

    @Test(
        "Delivery ends as soon as it has sent the reader its own revocation, before any revocation cache knows it",
        arguments: [
            RevocationEvent(kind: .user, subject: "c_reader", at: Self.start + .seconds(1)),
            RevocationEvent(kind: .key, subject: "kid-1", at: Self.start),
        ]
    )
    func deliveryEndsOnItsOwnRevocation(own: RevocationEvent) async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        let reader = Reader()
        let subscription = feed.subscribe(after: nil).subscription
        let delivery = Task {
            // The check never says revoked: only the message can end the stream in time.
            try await subscription.deliver(to: Self.reader(), heartbeat: .seconds(600), isReaderRevoked: { false }) { text in
                reader.written.withLock { $0.append(text) }
            }
            reader.finished.withLock { $0 = true }
        }
        // Not its own: another client, a revocation from before its token, another key.
        feed.publish(RevocationEvent(kind: .user, subject: "c_other", at: Self.start + .seconds(1)))
        feed.publish(RevocationEvent(kind: .user, subject: "c_reader", at: Self.start + .milliseconds(500)))
        feed.updateRevokedKeys(["kid-0": Self.start])
        try await reader.waitFor("\"kid\":\"kid-0\"")
        #expect(!reader.finished.withLock { $0 }, "still reading")

        if own.kind == .key {
            feed.updateRevokedKeys(["kid-0": Self.start, "kid-1": Self.start])
        } else {
            feed.publish(own)
        }
        for _ in 0..<2000 where !reader.finished.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(reader.finished.withLock { $0 }, "the stream ended")
        // Ends it here when the test failed, so that the delivery returns.
        subscription.end()
        try await delivery.value
        #expect(reader.text.contains("\"\(own.kind == .key ? "kid" : "sub")\":\"\(own.subject)\""), "its revocation was sent first")
    }

    @Test("A reader's own revocations: its session, its subject before revoked_before, the key that signed it")
    func readerOwnRevocations() {
        var reader = Self.reader()
        reader.sessionID = "s-1"
        func revokes(_ kind: RevocationEvent.Kind, _ subject: String, _ at: NumericDate) -> Bool {
            reader.isRevoked(by: .revocation(RevocationEvent(kind: kind, subject: subject, at: at), cursor: nil))
        }
        #expect(revokes(.session, "s-1", Self.start))
        #expect(!revokes(.session, "s-2", Self.start))
        #expect(revokes(.user, "c_reader", Self.start + .seconds(1)))
        #expect(!revokes(.user, "c_reader", Self.start + .milliseconds(999)), "revoked_before is the start's second: a token of that second lives")
        #expect(!revokes(.user, "c_other", Self.start + .seconds(1)))
        #expect(revokes(.key, "kid-1", Self.start))
        #expect(!revokes(.key, "kid-2", Self.start))
        #expect(!reader.isRevoked(by: .cursor(RevocationCursor("1"))))
        reader.issuedAt = nil
        #expect(revokes(.user, "c_reader", Self.start), "without iat a token cannot be shown to postdate it")
    }

    @Test("Delivery: live messages as events, a heartbeat after a silence, and the end when the reader's token expires")
    func deliveryUntilExpiry() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        let (catchUp, subscription) = feed.subscribe(after: nil)
        #expect(catchUp.serverSentEvents == "event: ready\ndata: {\"cursor\":\"0\"}\n\n")
        let reader = Reader()
        let delivery = Task {
            try await subscription.deliver(
                to: Self.reader(deadline: Self.start + .seconds(300)),
                heartbeat: .milliseconds(100),
                isReaderRevoked: { reader.revoked.withLock { $0 } }
            ) { text in
                reader.written.withLock { $0.append(text) }
            }
        }
        feed.publish(Self.session("s-1"))
        try await reader.waitFor("event: session-revoked\ndata: {\"event_timestamp\":1800000000,\"sid\":\"s-1\"}\n\n")
        try await reader.waitFor("event: heartbeat\ndata: {\"time\":1800000000}\n\n")
        clock.advance(by: .seconds(300))
        try await delivery.value
        #expect(await subscription.next(timeout: .zero) == .ended(.expired))
        #expect(feed.subscriberCount == 0)
    }

    @Test("Delivery ends once the reader's own token is revoked, after the revocation was sent; and when the subscription is ended")
    func deliveryUntilRevoked() async throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        let reader = Reader()
        let subscription = feed.subscribe(after: nil).subscription
        let delivery = Task {
            try await subscription.deliver(to: Self.reader(), heartbeat: .seconds(600), isReaderRevoked: { reader.revoked.withLock { $0 } }) { text in
                reader.written.withLock { $0.append(text) }
            }
        }
        // As the session engine does it: the feed first, then the cache the check reads.
        feed.publish(RevocationEvent(kind: .user, subject: "someone-else", at: Self.start))
        reader.revoked.withLock { $0 = true }
        try await delivery.value
        #expect(reader.text.contains("\"sub\":\"someone-else\""), "what was queued is sent before the end")

        let other = feed.subscribe(after: nil).subscription
        let ended = Task { try await other.deliver(to: Self.reader(), heartbeat: .seconds(600), isReaderRevoked: { false }) { _ in } }
        other.end(.shutdown)
        try await ended.value
    }

    @Test(
        "A feed reader: its stream ends by exp and never after iat + the access-token lifetime + the leeway; it counts as revoked once its key leaves the ring"
    )
    func feedReader() async throws {
        let clock = ManualClock(Self.start)
        let store = MemoryStore()
        let key = try JWTKey.generate(.es256)
        let configuration = SessionConfiguration(issuer: "https://auth.test", accessTokenLifetime: .seconds(60), leeway: .seconds(30))
        let manager = try SessionManager(configuration: configuration, signingKey: key, sessions: store, users: store, clock: clock)
        let client = ClientRecord(id: "c_reader", name: "reader", secretHash: "", scopes: [OAuthScope.revocationsRead], createdAt: Self.start)
        let token = try manager.verifyAccessToken(try manager.issueAccessToken(for: client, scopes: [OAuthScope.revocationsRead]).accessToken)
        let reader = manager.feedReader(token)
        #expect(reader.subject == "c_reader" && reader.sessionID == nil && reader.issuedAt == Self.start)
        #expect(reader.deadline == Self.start + .seconds(60), "exp comes first")
        #expect(!manager.isRevoked(reader))

        // A token that claims a longer life than access tokens get here.
        let signer = try JWTSigner(key: key)
        let long = try signer.sign(
            JWTClaims(
                issuer: "https://auth.test",
                subject: "c_reader",
                audience: ["https://auth.test"],
                expiresAt: Self.start + .seconds(3600),
                issuedAt: Self.start,
                tokenID: "j",
                clientID: "c_reader",
                scope: OAuthScope.revocationsRead
            ),
            type: "at+jwt"
        )
        #expect(manager.feedReader(try manager.verifyAccessToken(long)).deadline == Self.start + .seconds(90))

        let next = try JWTKey.generate(.es256)
        try manager.keys.replace(signingKey: next, verificationKeys: JWTKeySet([try #require(key.publicKey), try #require(next.publicKey)]))
        #expect(!manager.isRevoked(reader), "still published")
        try manager.keys.replace(signingKey: next, verificationKeys: JWTKeySet(try #require(next.publicKey)))
        #expect(manager.isRevoked(reader), "its key left the ring")
        #expect(manager.feedReader(token).key == nil)
    }

    @Test("Server-Sent Events: id for log entries, event names, one line of JSON data; an id alone for a cursor")
    func serverSentEvents() throws {
        let at = NumericDate(secondsSinceEpoch: 1_733_500_000.25)
        let session = RevocationFeed.Message.revocation(RevocationEvent(kind: .session, subject: "3b1f", at: at), cursor: RevocationCursor("1041"))
        #expect(session.serverSentEvent == "id: 1041\nevent: session-revoked\ndata: {\"event_timestamp\":1733500000.25,\"sid\":\"3b1f\"}\n\n")
        let user = RevocationFeed.Message.revocation(
            RevocationEvent(kind: .user, subject: "6f1c", at: NumericDate(secondsSinceEpoch: 1_733_500_001.5)),
            cursor: nil
        )
        #expect(user.serverSentEvent == "event: user-revoked\ndata: {\"event_timestamp\":1733500001.5,\"revoked_before\":1733500001,\"sub\":\"6f1c\"}\n\n")
        let key = RevocationFeed.Message.revocation(RevocationEvent(kind: .key, subject: "Yb3w", at: NumericDate(1_733_500_002)), cursor: nil)
        #expect(key.serverSentEvent == "event: key-revoked\ndata: {\"event_timestamp\":1733500002,\"kid\":\"Yb3w\"}\n\n")
        #expect(RevocationFeed.Message.cursor(RevocationCursor("1042")).serverSentEvent == "id: 1042\n\n")
        #expect(RevocationFeed.Message.ready(RevocationCursor("1042")).serverSentEvent == "event: ready\ndata: {\"cursor\":\"1042\"}\n\n")
        #expect(
            RevocationFeed.Message.heartbeat(NumericDate(secondsSinceEpoch: 1_733_500_017.9)).serverSentEvent
                == "event: heartbeat\ndata: {\"time\":1733500017}\n\n"
        )
        // Subjects are JSON-escaped: a line break can never end the data line early.
        let hostile = RevocationFeed.Message.revocation(RevocationEvent(kind: .session, subject: "a\nid: 9\r\n\nevent: x", at: NumericDate(0)), cursor: nil)
        #expect(hostile.serverSentEvent.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
    }

    @Test("The JSON page: type, id when logged, the data members, and the cursor")
    func jsonPage() throws {
        let clock = ManualClock(Self.start)
        let feed = Self.feed(clock)
        feed.append([Self.entry(1041, Self.session("3b1f"))], position: nil)
        feed.publish(RevocationEvent(kind: .user, subject: "6f1c", at: Self.start + .seconds(1)))
        let page = try JSONValue(parsing: RevocationFeed.jsonPage(feed.catchUp(after: nil)))
        #expect(
            page == [
                "events": [
                    ["type": "session-revoked", "id": "1041", "sid": "3b1f", "event_timestamp": 1_800_000_000],
                    ["type": "user-revoked", "sub": "6f1c", "revoked_before": 1_800_000_001, "event_timestamp": 1_800_000_001],
                ],
                "cursor": "1041",
            ]
        )
    }

    @Test("The session engine sends its own revocations live and journals the store's log with cursors")
    func sessionManagerFeedsTheFeed() async throws {
        let clock = ManualClock(Self.start)
        let store = MemoryStore()
        let manager = try SessionManager(
            configuration: SessionConfiguration(issuer: "https://auth.test"),
            signingKey: try JWTKey.generate(.es256),
            sessions: store,
            users: store,
            clock: clock
        )
        let user = UserRecord(id: "u-1", username: "alice", passwordHash: "x", createdAt: Self.start)
        try await store.createUser(user)
        let subscription = manager.feed.subscribe(after: nil).subscription
        let pair = try await manager.createSession(for: user, clientID: nil, userAgent: nil)
        try await manager.revokeSession(id: pair.session.id, userID: "u-1", reason: .logout)
        #expect(try await Self.nextMessages(subscription) == [.revocation(Self.session(pair.session.id), cursor: nil)])

        try await manager.loadRevocations()
        #expect(try await Self.nextMessages(subscription) == [.cursor(RevocationCursor("1"))])

        try await manager.revokeUser(id: "u-1", reason: .adminRevoked)
        #expect(Self.revocations(try await Self.nextMessages(subscription)).map(\.0) == [RevocationEvent(kind: .user, subject: "u-1", at: Self.start)])
    }
}
