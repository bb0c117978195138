import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdJWTAuth
import HummingbirdTesting
import JWTAuth
import JWTAuthSQL
import JWTAuthServer
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// `GET /oauth/revocations` over real sockets: who may read it, the snapshot, `ready`, live
/// events, resuming, heartbeats, the JSON form, and when streams end.
@Suite("Revocation feed", .timeLimit(.minutes(2)))
struct RevocationFeedRouteTests {
    /// A live server with a reader client and a token for it; `body` gets the port too.
    static func withReader(
        configure: @escaping (inout ServerConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (API, Int, String, ServerFixture) async throws -> Void
    ) async throws {
        try await ServerFixture.with(configure) { fixture in
            let reader = try await fixture.addClient("reader")
            try await fixture.run(.live) { api in
                // Recorded rather than thrown: leaving `app.test` by an error cancels the
                // server instead of shutting it down, and its SQLite store is never closed.
                do {
                    let port = try #require(api.client.port)
                    let token = try await api.clientToken(reader)
                    try await body(api, port, token, fixture)
                } catch {
                    Issue.record(error)
                }
            }
        }
    }

    /// Waits until the log has been read and the revocation of `subject` carries a cursor.
    static func journaled(_ api: API, _ token: String, _ subject: String) async throws -> String? {
        var cursor: String? = nil
        try await eventually("\(subject) in the journal") {
            let events = try await api.revocationsPage(token).object["events"]?.arrayValue ?? []
            cursor = events.compactMap(\.objectValue).first { ($0["sid"] ?? $0["sub"])?.stringValue == subject }?["id"]?.stringValue
            return cursor != nil
        }
        return cursor
    }

    @Test(
        "Without a token 401 with a Bearer challenge; a user's token or a client's without revocations:read gets 403",
        arguments: ["text/event-stream", "application/json"]
    )
    func access(accept: String) async throws {
        try await ServerFixture.with { fixture in
            let other = try await fixture.addClient("other", scopes: ["orders"])
            try await fixture.run { api in
                let headers: HTTPFields = [.accept: accept]
                let none = try await api.get("/oauth/revocations", headers: headers)
                expectError(none, .unauthorized, nil)
                #expect(none.challenge?.hasPrefix("Bearer") == true)
                expectInvalidToken(try await api.get("/oauth/revocations", bearer: "not.a.token", headers: headers))
                let (_, user) = try await api.signUp("alice")
                expectError(try await api.get("/oauth/revocations", bearer: user.access, headers: headers), .forbidden, "insufficient_scope", "a user's token")
                let response = try await api.get("/oauth/revocations", bearer: try await api.clientToken(other), headers: headers)
                expectError(response, .forbidden, "insufficient_scope", "a client without the scope")
                #expect(response.challenge?.contains(#"scope="revocations:read""#) == true)
            }
        }
    }

    @Test("SSE: the snapshot with cursors, ready, then live revocations at once; Last-Event-ID resumes after the cursor")
    func streamSnapshotLiveResume() async throws {
        try await Self.withReader { api, port, token, _ in
            let (alice, first) = try await api.signUp("alice")
            let second = try await api.login("alice")
            #expect(try await api.post("/auth/logout", fields: ["refresh_token": first.refresh]).status == .noContent)
            let firstSession = try #require(first.sessionID)
            let firstCursor = try #require(try await Self.journaled(api, token, firstSession))

            let stream = try await EventStream.open(port: port, bearer: token)
            let head = try await stream.head()
            #expect(head.status == .ok)
            #expect(head.headers["Content-Type"].first == "text/event-stream")
            #expect(head.headers["Cache-Control"].first == "no-store")
            let snapshot = try await stream.next("session-revoked")
            #expect(snapshot.event.id == firstCursor && snapshot.event.json["sid"]?.stringValue == firstSession)
            #expect(snapshot.event.json["event_timestamp"]?.doubleValue == ServerFixture.start.secondsSinceEpoch)
            let ready = try await stream.next("ready", after: snapshot.index)
            let readyCursor = try #require(ready.event.json["cursor"]?.stringValue)

            // Live: logout everywhere reaches the reader without waiting for the log.
            #expect(try await api.post("/auth/logout-all", bearer: second.access).status == .noContent)
            let userRevoked = try await stream.next("user-revoked", after: ready.index)
            #expect(userRevoked.event.json["sub"]?.stringValue == alice)
            #expect(userRevoked.event.json["revoked_before"]?.integerValue == ServerFixture.start.wholeSeconds)
            let secondSession = try #require(second.sessionID)
            try await stream.next(after: ready.index, "the second session's revocation") { $0.json["sid"]?.stringValue == secondSession }
            // Then the log catches up: the cursor moves on, with no second copy in full.
            let moved = try await stream.next(after: userRevoked.index, "a cursor after the live events") { $0.id != nil && $0.event == nil }
            #expect(stream.events[ready.index...].filter { $0.json["sub"]?.stringValue == alice }.count == 1)
            await stream.close()

            // Resume after the first cursor: only what followed it, with cursors.
            let resumed = try await EventStream.open(port: port, bearer: token, headers: [("Last-Event-ID", readyCursor)])
            let resumedReady = try await resumed.next("ready")
            let caughtUp = resumed.events[..<resumedReady.index]
            #expect(!caughtUp.contains { $0.json["sid"]?.stringValue == firstSession }, "\(caughtUp)")
            #expect(caughtUp.contains { $0.event == "user-revoked" && $0.id != nil && $0.json["sub"]?.stringValue == alice }, "\(caughtUp)")
            #expect(caughtUp.contains { $0.event == "session-revoked" && $0.id != nil && $0.json["sid"]?.stringValue == secondSession }, "\(caughtUp)")
            #expect(resumedReady.event.json["cursor"]?.stringValue == caughtUp.last(where: { $0.id != nil })?.id, "ready names the last cursor sent")
            #expect(Int(moved.event.id ?? "") ?? 0 > Int(readyCursor) ?? .max)
            await resumed.close()

            // A cursor the server does not know (another deployment's, or long gone): the snapshot.
            let unknown = try await EventStream.open(port: port, bearer: token, headers: [("Last-Event-ID", "999999")])
            let unknownReady = try await unknown.next("ready")
            #expect(unknown.events[..<unknownReady.index].contains { $0.json["sid"]?.stringValue == firstSession })
            await unknown.close()
        }
    }

    @Test("Hostile cursors and Accept fields are never a 5xx: an unknown cursor is a snapshot")
    func hostileCursors() async throws {
        try await Self.withReader { api, port, token, _ in
            let cursors = ["%00", "%FF%FE", String(repeating: "9", count: 10_000), "'%20OR%201=1--", "-1", "1e999", "%0D%0Aevent:%20x", "%E2%80%AE"]
            for cursor in cursors {
                let response = try await api.get("/oauth/revocations?after=" + cursor, bearer: token, headers: [.accept: "application/json"])
                #expect(response.status == .ok, "after=\(cursor.prefix(30)): \(response.status) \(response.text.prefix(200))")
                #expect(response.object["events"]?.arrayValue != nil)
            }
            for accept in ["application/json;q=0.5", "APPLICATION/JSON", "application/json, */*", " application/json ;charset=utf-8"] {
                let response = try await api.get("/oauth/revocations", bearer: token, headers: [.accept: accept])
                #expect(response.status == .ok && response.object["cursor"] != nil, "\(accept): \(response.status)")
            }
            for lastEventID in [String(repeating: "x", count: 8_000), "id with spaces", "0", "-", "1:2", "%E9"] {
                let stream = try await EventStream.open(port: port, bearer: token, headers: [("Last-Event-ID", lastEventID)])
                try await stream.next("ready")
                await stream.close()
            }
        }
    }

    @Test("A heartbeat comes when nothing else was sent for --revocation-heartbeat")
    func heartbeat() async throws {
        try await Self.withReader(configure: { $0.revocationHeartbeat = .milliseconds(100) }) { _, port, token, _ in
            let stream = try await EventStream.open(port: port, bearer: token)
            let ready = try await stream.next("ready")
            let beat = try await stream.next("heartbeat", after: ready.index)
            #expect(beat.event.json["time"]?.integerValue == ServerFixture.start.wholeSeconds)
            try await stream.next("heartbeat", after: beat.index + 1)
            await stream.close()
        }
    }

    @Test("JSON: ?after= returns what followed the cursor; none, 0 or an unknown cursor return the snapshot")
    func jsonPolling() async throws {
        try await Self.withReader { api, _, token, _ in
            let (_, tokens) = try await api.signUp("bob")
            #expect(try await api.post("/auth/logout", fields: ["refresh_token": tokens.refresh]).status == .noContent)
            let session = try #require(tokens.sessionID)
            let cursor = try #require(try await Self.journaled(api, token, session))
            let page = try await api.revocationsPage(token)
            #expect(page.status == .ok && page.headers[.cacheControl] == "no-store")
            #expect(page.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(page.object["cursor"]?.stringValue == cursor)
            let event = try #require(page.object["events"]?.arrayValue?.first?.objectValue)
            #expect(event["type"] == "session-revoked" && event["id"]?.stringValue == cursor && event["sid"]?.stringValue == session)

            let after = try await api.revocationsPage(token, after: cursor)
            #expect(after.object["events"] == [] && after.object["cursor"]?.stringValue == cursor)
            for snapshot in ["0", "no-such-cursor", ""] {
                let events = try await api.revocationsPage(token, after: snapshot).object["events"]?.arrayValue ?? []
                #expect(events.count == 1, "after=\(snapshot)")
            }
        }
    }

    @Test("The stream ends when the reader's token expires")
    func endsAtExpiry() async throws {
        try await Self.withReader(configure: { $0.revocationHeartbeat = .milliseconds(100) }) { _, port, token, fixture in
            let stream = try await EventStream.open(port: port, bearer: token)
            try await stream.next("ready")
            fixture.clock.advance(by: .seconds(299))
            try await stream.next("heartbeat", after: stream.events.count)
            #expect(!stream.hasEnded, "a second before its expiry the token still reads")
            fixture.clock.advance(by: .seconds(1))
            try await stream.waitForEnd()
        }
    }

    @Test("The stream ends when the key that signed the reader's token leaves the key ring, without waiting for the token to expire")
    func endsWhenTheKeyLeaves() async throws {
        try await Self.withReader(configure: {
            $0.keysDirectory = $0.dataDirectory + "/mounted-keys"
            $0.keysDirectoryPollInterval = .milliseconds(20)
            $0.revocationHeartbeat = .milliseconds(100)
        }) { api, port, token, fixture in
            let directory = fixture.dataDirectory + "/mounted-keys"
            let stream = try await EventStream.open(port: port, bearer: token)
            try await stream.next("ready")
            // A new key signs and the old one is gone at once: no revocation goes out for it,
            // only the ring changes.
            try writeAtomically(directory + "/signing.jwk", try JWTKey.generate(.es256).jwk(includingPrivateKey: true))
            let old = try #require(keyID(of: token))
            try await eventually("the old key leaves the JWKS") { try await !api.publishedKeyIDs().contains(old) }
            try await stream.waitForEnd()
            #expect(stream.endedCleanly)
        }
    }

    @Test("A stream never outlives iat + the access-token lifetime + the leeway, even when the token's exp is later")
    func endsAtTheLongestAccessTokenLife() async throws {
        try await ServerFixture.with({ $0.revocationHeartbeat = .milliseconds(100) }) { fixture in
            let reader = try await fixture.addClient("reader")
            // Issued under a five-minute lifetime; the server now gives access tokens one minute.
            let token = try await fixture.run { api in try await api.clientToken(reader) }
            var shorter = fixture
            shorter.configuration.session.accessTokenLifetime = .seconds(60)
            try await shorter.run(.live) { api in
                do {
                    let stream = try await EventStream.open(port: try #require(api.client.port), bearer: token)
                    try await stream.next("ready")
                    fixture.clock.advance(by: .seconds(119))
                    try await stream.next("heartbeat", after: stream.events.count)
                    #expect(!stream.hasEnded, "iat + 60 s + 60 s leeway is not reached yet")
                    fixture.clock.advance(by: .seconds(1))
                    try await stream.waitForEnd()
                } catch {
                    Issue.record(error)
                }
            }
        }
    }

    @Test("A reader whose client is removed is sent its own revocation, and its stream ends")
    func removedReader() async throws {
        // No heartbeat within the test's wait: only the revocation itself can end the stream.
        try await ServerFixture.with({ $0.revocationHeartbeat = .seconds(600) }) { fixture in
            let reader = try await fixture.addClient("reader")
            try await fixture.run(.live) { api in
                do {
                    let port = try #require(api.client.port)
                    let stream = try await EventStream.open(port: port, bearer: try await api.clientToken(reader))
                    try await stream.next("ready")
                    try await fixture.removeClient(reader)
                    try await stream.next(after: 0, "the reader's own revocation") { $0.event == "user-revoked" && $0.json["sub"]?.stringValue == reader.id }
                    try await stream.waitForEnd()
                } catch {
                    Issue.record(error)
                }
            }
        }
    }

    /// A hand-built app on the memory store whose feed never sends a heartbeat within a test,
    /// and a reader's client id and token.
    static func memoryServer() async throws -> (app: some ApplicationProtocol, sessions: SessionManager, clientID: String, token: String) {
        let clock = ManualClock(ServerFixture.start)
        let store = MemoryStore()
        let key = try JWTKey.generate(.es256)
        let sessions = try SessionManager(
            configuration: SessionConfiguration(issuer: ServerFixture.issuer),
            signingKey: key,
            sessions: store,
            users: store,
            clock: clock
        )
        let clients = ClientManager(sessions: sessions, clients: store)
        let (client, secret) = try await clients.register(name: "reader", scopes: [OAuthScope.revocationsRead])
        let token = try await clients.issueToken(for: ClientCredentials(clientID: client.id, secret: secret), scope: nil).accessToken
        let router = Router(context: JWTAuthContext.self)
        router.add(middleware: ErrorMiddleware(logger: .quiet))
        JWTAuthRoutes<JWTAuthContext>(
            sessions: sessions,
            accounts: try await AccountManager(sessions: sessions, hasher: PlainHasher()),
            publicKeys: JWTKeySet(try #require(key.publicKey)),
            clients: clients,
            revocationHeartbeat: .seconds(600)
        ).addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            services: [RevocationSyncService(sessions: sessions, logger: .quiet)],
            logger: .quiet
        )
        return (app, sessions, client.id, token)
    }

    @Test("A reader's stream ends once it is sent its own revocation, even before the instance's revocation cache has it")
    func endsOnItsOwnRevocationOnTheFeed() async throws {
        let (app, sessions, clientID, token) = try await Self.memoryServer()
        try await app.test(.live) { client in
            do {
                let stream = try await EventStream.open(port: try #require(client.port), bearer: token)
                let ready = try await stream.next("ready")
                // On the feed only, as a revocation pushed by the store reaches it before the
                // cache; nothing else (no heartbeat, no cache entry) can end the stream.
                sessions.feed.publish(RevocationEvent(kind: .user, subject: clientID, at: ServerFixture.start + .seconds(1)))
                try await stream.next(after: ready.index, "the reader's own revocation") { $0.json["sub"]?.stringValue == clientID }
                try await stream.waitForEnd()
                #expect(stream.endedCleanly)
                #expect(!sessions.revocations.isRevoked(sessionID: nil, userID: clientID, issuedAt: ServerFixture.start, now: ServerFixture.start))
            } catch {
                Issue.record(error)
            }
        }
    }

    @Test("Memory store: a reader that disconnects leaves the feed at once; graceful shutdown ends open streams cleanly")
    func disconnectAndShutdown() async throws {
        // No heartbeat within the test: only noticing the closed connection can remove the
        // reader in time.
        let (app, sessions, _, token) = try await Self.memoryServer()
        let lingering = try await app.test(.live) { client -> EventStream? in
            do {
                let port = try #require(client.port)
                let first = try await EventStream.open(port: port, bearer: token)
                try await first.next("ready")
                #expect(sessions.feed.subscriberCount == 1)
                await first.close()
                try await eventually("the reader that went away to leave the feed") { sessions.feed.subscriberCount == 0 }

                let second = try await EventStream.open(port: port, bearer: token)
                let ready = try await second.next("ready")
                try await sessions.revokeUser(id: "someone", reason: .adminRevoked)
                try await second.next(after: ready.index, "a live revocation") { $0.json["sub"]?.stringValue == "someone" }
                // Left open: shutting the server down must end it rather than wait for it.
                return second
            } catch {
                Issue.record(error)
                return nil
            }
        }
        let stream = try #require(lingering)
        try await stream.waitForEnd()
        #expect(stream.endedCleanly, "the response was finished, not cut off")
        #expect(sessions.feed.subscriberCount == 0)
    }

    @Test("Two instances on one store: a revocation made on one reaches the other's feed", arguments: SharedStore.all)
    func crossInstance(store: SharedStore) async throws {
        try await store.with { configure in
            try await ServerFixture.with(configure) { fixture in
                let reader = try await fixture.addClient("reader")
                try await fixture.run(.live) { first in
                    do {
                        try await fixture.run(.live) { second in
                            do {
                                let port = try #require(second.client.port)
                                let stream = try await EventStream.open(port: port, bearer: try await second.clientToken(reader))
                                try await stream.next("ready")
                                let (alice, tokens) = try await first.signUp("alice-\(UUID().uuidString.prefix(8))")
                                #expect(try await first.post("/auth/logout-all", bearer: tokens.access).status == .noContent)
                                try await stream.next(after: 0, "the other instance's revocation") {
                                    $0.event == "user-revoked" && $0.json["sub"]?.stringValue == alice
                                }
                                // And the other instance refuses the token too.
                                expectInvalidToken(try await second.me(tokens.access))
                                await stream.close()
                            } catch {
                                Issue.record(error)
                            }
                        }
                    } catch {
                        Issue.record(error)
                    }
                }
            }
        }
    }
}

/// Password checks for a hand-built app whose tests never log in.
struct PlainHasher: PasswordHasher {
    func hash(_ password: String) async throws -> String { "plain:" + password }
    func verify(_ password: String, against hash: String) async throws -> Bool { hash == "plain:" + password }
}

/// A store two instances share: the SQLite file of the fixture's data directory, and
/// PostgreSQL or Redis when the test script started them.
struct SharedStore: Sendable, CustomTestStringConvertible {
    let name: String
    let prepare: @Sendable () async throws -> (configure: @Sendable (inout ServerConfiguration) -> Void, cleanup: @Sendable () async -> Void)

    var testDescription: String { self.name }

    func with(_ body: (@escaping @Sendable (inout ServerConfiguration) -> Void) async throws -> Void) async throws {
        let (configure, cleanup) = try await self.prepare()
        do {
            try await body(configure)
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    static var all: [SharedStore] {
        let environment = ProcessInfo.processInfo.environment
        let required = environment["JWTAUTH_REQUIRE_SERVICES"] != nil
        var stores = [SharedStore(name: "SQLite") { ({ _ in }, {}) }]
        func missing(_ name: String, _ variable: String) -> SharedStore {
            SharedStore(name: name) { throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "\(variable) is not set"]) }
        }
        if let url = environment["JWTAUTH_TEST_POSTGRES_URL"], !url.isEmpty {
            stores.append(
                SharedStore(name: "PostgreSQL") {
                    let database = "jwtauth_server_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
                    try await PostgresAdmin.execute(url, "CREATE DATABASE \(database)")
                    let target = PostgresAdmin.url(url, database: database)
                    // Migrated here with time to spare: on a loaded machine the first migration
                    // of a fresh database can outlast the servers' 3 s operation deadline.
                    try await SQLStore.postgres(url: target, deadline: .seconds(60)).close()
                    // Keys in PostgreSQL are sealed under a key-encryption key every instance shares.
                    let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(database).key").path
                    try KeyEncryptionKey.generate().fileContents.write(toFile: keyFile, atomically: true, encoding: .utf8)
                    return (
                        {
                            $0.database = target
                            $0.keyEncryptionKeyFile = keyFile
                        },
                        {
                            try? FileManager.default.removeItem(atPath: keyFile)
                            try? await PostgresAdmin.execute(url, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
                        }
                    )
                }
            )
        } else if required {
            stores.append(missing("PostgreSQL", "JWTAUTH_TEST_POSTGRES_URL"))
        }
        for (name, variable) in [("Redis", "JWTAUTH_TEST_REDIS_URL"), ("Redis Cluster", "JWTAUTH_TEST_REDIS_CLUSTER_URL")] {
            if let url = environment[variable], !url.isEmpty {
                stores.append(SharedStore(name: name) { ({ $0.sessions = url }, {}) })
            } else if required {
                stores.append(missing(name, variable))
            }
        }
        return stores
    }
}
