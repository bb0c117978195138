import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// The signing-key lifecycle of a running server: keys in the database, rotated on a schedule
/// and by hand, revoked, followed by every instance; the JWKS follows the keys.
@Suite("Key lifecycle")
struct KeyLifecycleTests {
    /// Rotation every hour, keys published ten minutes ahead, refresh tokens living 1000 s
    /// (so a retired key is kept 1000 + 60 + 300 s), keys read every 20 ms.
    static func configure(_ configuration: inout ServerConfiguration) {
        configuration.keyRotationInterval = .seconds(3600)
        configuration.keyPublishAhead = .seconds(600)
        configuration.session.refreshTokenLifetime = .seconds(1000)
        configuration.keyPollInterval = .milliseconds(20)
    }

    @Test("The JWKS publishes the current key first and the next key, and may be cached no longer than the publish-ahead")
    func jwksPublishesNext() async throws {
        try await withServer(configure: { $0.keyPublishAhead = .seconds(60) }) { api in
            let response = try await api.get("/.well-known/jwks.json")
            #expect(response.headers[.cacheControl] == "public, max-age=60")
            let kids = try await api.publishedKeyIDs()
            #expect(kids.count == 2)
            _ = try await api.signUp("alice")
            #expect(try await api.signingKeyID("alice") == kids.first)
        }
        try await withServer { api in
            let response = try await api.get("/.well-known/jwks.json")
            #expect(response.headers[.cacheControl] == "public, max-age=300")
        }
    }

    @Test("A scheduled rotation: next signs after the interval, the old key's tokens keep working, and it leaves the JWKS once they have expired")
    func scheduledRotation() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            try await fixture.run { api in
                let start = try await api.publishedKeyIDs()
                try #require(start.count == 2)
                let (old, next) = (start[0], start[1])
                _ = try await api.register("alice")

                // Just before the rotation: a pair signed by the current key.
                api.clock.advance(by: .seconds(3590))
                let before = try await api.login("alice")
                #expect(keyID(of: before.access) == old)
                #expect(try await api.publishedKeyIDs() == start, "nothing is due yet")

                api.clock.advance(by: .seconds(10))
                try await eventually("the next key signs") { try await api.signingKeyID("alice") == next }
                let published = try await api.publishedKeyIDs()
                #expect(published.count == 3 && published[0] == next && published[2] == old, "\(published)")

                // The retired key's tokens still work: the access token, and the refresh token.
                #expect(try await api.me(before.access).status == .ok)
                let refreshed = try await api.refresh(before.refresh)
                #expect(refreshed.status == .ok, "\(refreshed.text)")
                #expect(keyID(of: try Tokens(refreshed).access) == next)

                // Once every token it signed has expired (refresh lifetime + leeway + margin), it leaves.
                api.clock.advance(by: .seconds(1000 + 60 + 300))
                try await eventually("the retired key leaves the JWKS") { try await !api.publishedKeyIDs().contains(old) }
            }
        }
    }

    @Test("Revoking the current key with jwtauth keys revoke: it leaves the JWKS, its tokens are refused, the next key signs")
    func revokeCurrentWhileRunning() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            try await fixture.run { api in
                let (_, tokens) = try await api.signUp("alice")
                let compromised = try #require(keyID(of: tokens.access))
                let next = try await api.publishedKeyIDs()[1]

                let revoked = try await revokeSigningKey(compromised, configuration: fixture.configuration, clock: fixture.clock, logger: .quiet)
                #expect(revoked.keyID == compromised && revoked.state == .revoked)

                try await eventually("the revoked key leaves the JWKS") { try await !api.publishedKeyIDs().contains(compromised) }
                #expect(try await api.publishedKeyIDs().first == next)
                expectInvalidToken(try await api.me(tokens.access), "an access token signed by the revoked key")
                expectInvalidGrant(try await api.refresh(tokens.refresh), "a refresh token signed by the revoked key")
                #expect(try await api.signingKeyID("alice") == next)
            }
        }
    }

    @Test("A revoked key is announced on the revocation feed, to readers that connect afterwards too")
    func revokedKeyOnTheFeed() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            let reader = try await fixture.addClient("reader")
            try await fixture.run { api in
                let token = try await api.clientToken(reader)
                let (_, tokens) = try await api.signUp("alice")
                let compromised = try #require(keyID(of: tokens.access))
                func announced() async throws -> [String: JSONValue]? {
                    let events = try await api.revocationsPage(token).object["events"]?.arrayValue ?? []
                    return events.compactMap(\.objectValue).first { $0["type"] == "key-revoked" && $0["kid"]?.stringValue == compromised }
                }
                #expect(try await announced() == nil)
                #expect(try await api.revocationsPage(token).status == .ok)
                _ = try await revokeSigningKey(compromised, configuration: fixture.configuration, clock: fixture.clock, logger: .quiet)
                var event: [String: JSONValue]? = nil
                try await eventually("the key revocation on the feed") {
                    // The reader's token was signed by the revoked key too: a new one each time,
                    // from the next key once the server has noticed.
                    let fresh = try await api.clientToken(reader)
                    let events = try await api.revocationsPage(fresh).object["events"]?.arrayValue ?? []
                    event = events.compactMap(\.objectValue).first { $0["type"] == "key-revoked" && $0["kid"]?.stringValue == compromised }
                    return event != nil
                }
                #expect(event?["id"] == nil, "key revocations carry no cursor")
                #expect(event?["event_timestamp"]?.doubleValue == fixture.clock.now.secondsSinceEpoch)
            }
        }
    }

    @Test("Two instances on one database: a due rotation happens once, and both sign with the new key")
    func twoInstancesRotateOnce() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            try await fixture.run { first in
                try await fixture.run { second in
                    let start = try await first.publishedKeyIDs()
                    #expect(try await second.publishedKeyIDs() == start)
                    _ = try await first.register("alice")
                    fixture.clock.advance(by: .seconds(3600))
                    try await eventually("both instances sign with the next key") {
                        let kids = [try await first.signingKeyID("alice"), try await second.signingKeyID("alice")]
                        return kids == [start[1], start[1]]
                    }
                    let keys = try await listSigningKeys(configuration: fixture.configuration, logger: .quiet)
                    #expect(keys.map(\.state) == [.current, .next, .retired], "one rotation: \(keys.map { "\($0.keyID) \($0.state)" })")
                    #expect(keys.first?.keyID == start[1] && keys.last?.keyID == start[0])
                    try await eventually("both publish the same keys") {
                        try await first.publishedKeyIDs() == second.publishedKeyIDs()
                    }
                }
            }
        }
    }

    @Test("An instance picks up another's rotation at once when a token names a key it has not loaded yet")
    func unknownKeyReload() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            // This instance reads the keys only every hour: only the unknown kid can make it look.
            var slow = fixture
            slow.configuration.keyPollInterval = .seconds(3600)
            try await slow.run { lagging in
                let before = try await lagging.publishedKeyIDs()
                _ = try await lagging.register("alice")
                // Two rotations elsewhere: the key that signs now was never published to it.
                _ = try await rotateSigningKey(configuration: fixture.configuration, clock: fixture.clock, logger: .quiet)
                let current = try await rotateSigningKey(configuration: fixture.configuration, clock: fixture.clock, logger: .quiet)
                #expect(!before.contains(current.keyID))
                #expect(try await lagging.publishedKeyIDs() == before, "no poll has run")

                let tokens = try await fixture.run { fresh in try await fresh.login("alice") }
                #expect(keyID(of: tokens.access) == current.keyID)
                let me = try await lagging.me(tokens.access)
                #expect(me.status == .ok, "\(me.text)")
                #expect(try await lagging.publishedKeyIDs().first == current.keyID)
                #expect(try await lagging.signingKeyID("alice") == current.keyID)
            }
        }
    }

    @Test("jwtauth keys list, rotate and revoke work on the database's keys and refuse what they cannot do")
    func administration() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            let configuration = fixture.configuration
            let before = await #expect(throws: JWTAuthError.self) {
                try await rotateSigningKey(configuration: configuration, logger: .quiet)
            }
            #expect(before?.code == .notFound, "no keys before the first start")

            try await fixture.run { _ in }
            var keys = try await listSigningKeys(configuration: configuration, logger: .quiet)
            #expect(keys.map(\.state) == [.current, .next])
            let (first, second) = (keys[0].keyID, keys[1].keyID)
            #expect(keys[0].activatedAt != nil && keys[1].activatedAt == nil)

            let rotated = try await rotateSigningKey(configuration: configuration, clock: fixture.clock, logger: .quiet)
            #expect(rotated.keyID == second && rotated.state == .current)
            #expect(rotated.publishedBeforeSigning == .zero, "made next at the first start, on the same (manual) second")
            keys = try await listSigningKeys(configuration: configuration, logger: .quiet)
            #expect(keys.map(\.state) == [.current, .next, .retired])
            #expect(keys[0].keyID == second && keys[2].keyID == first)
            let third = keys[1].keyID

            let unknown = await #expect(throws: JWTAuthError.self) {
                try await revokeSigningKey("no-such-kid", configuration: configuration, logger: .quiet)
            }
            #expect(unknown?.code == .notFound)
            #expect(unknown?.message.contains("no-such-kid") == true)

            // Revoking the next key: a new next key replaces it; the current key stays.
            _ = try await revokeSigningKey(third, configuration: configuration, clock: fixture.clock, logger: .quiet)
            keys = try await listSigningKeys(configuration: configuration, logger: .quiet)
            #expect(keys.map(\.state) == [.current, .next, .retired, .revoked])
            #expect(keys[0].keyID == second && keys[3].keyID == third && keys[3].revokedAt == fixture.clock.now)
            #expect(![first, second, third].contains(keys[1].keyID))
        }
    }

    @Test("The key-encryption key of the default database: created 0600 in a 0700 DATA/keys, and a different one is refused with the fix named")
    func keyEncryptionKey() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            try await fixture.run { _ in }
            let path = fixture.dataDirectory + "/keys/key-encryption.key"
            #expect(try Self.mode(path) == 0o600)
            #expect(try Self.mode(fixture.dataDirectory + "/keys") == 0o700)
            #expect(!FileManager.default.fileExists(atPath: fixture.dataDirectory + "/key-encryption.key"))

            // Another instance, or the CLI, with another key-encryption key.
            let other = fixture.dataDirectory + "/other.key"
            try KeyEncryptionKey.generate().fileContents.write(toFile: other, atomically: true, encoding: .utf8)
            var wrong = fixture
            wrong.configuration.keyEncryptionKeyFile = other
            let startError = await #expect(throws: JWTAuthError.self) { try await wrong.run { _ in } }
            #expect(startError?.code == .keyInvalid)
            #expect(startError?.message.contains("same key-encryption key file") == true, "\(String(describing: startError))")
            let rotateError = await #expect(throws: JWTAuthError.self) {
                try await rotateSigningKey(configuration: wrong.configuration, logger: .quiet)
            }
            #expect(rotateError?.code == .keyInvalid)
            #expect(try await listSigningKeys(configuration: fixture.configuration, logger: .quiet).count == 2, "nothing was written")

            // A configured file that does not exist is not created (it would seal keys no one else can open).
            var missing = fixture
            missing.configuration.keyEncryptionKeyFile = fixture.dataDirectory + "/missing.key"
            let missingError = await #expect(throws: JWTAuthError.self) { try await missing.run { _ in } }
            #expect(missingError?.message.contains("does not exist") == true)
            #expect(!FileManager.default.fileExists(atPath: fixture.dataDirectory + "/missing.key"))

            // The same key given explicitly works.
            var explicit = fixture
            explicit.configuration.keyEncryptionKeyFile = path
            try await explicit.run { api in
                let kids = try await api.publishedKeyIDs()
                #expect(kids.count == 2)
            }
        }
    }

    static func mode(_ path: String) throws -> Int? {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int).map { $0 & 0o777 }
    }

    @Test(
        "Keys in any database but the default SQLite file need a key-encryption key file: without one the server refuses to start, naming the flag, and creates nothing",
        arguments: ["sqlite", "postgres"]
    )
    func keyEncryptionKeyRequired(database: String) async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            var elsewhere = fixture
            // Refused before the database is opened: this PostgreSQL need not exist.
            elsewhere.configuration.database =
                database == "sqlite" ? "sqlite:" + fixture.dataDirectory + "/elsewhere.sqlite" : "postgres://jwtauth:secret@127.0.0.1:1/jwtauth"
            let error = await #expect(throws: JWTAuthError.self) { try await elsewhere.run { _ in } }
            #expect(error?.code == .invalidInput)
            for name in ["--key-encryption-key-file", "JWTAUTH_KEY_ENCRYPTION_KEY_FILE"] {
                #expect(error?.message.contains(name) == true, "\(String(describing: error))")
            }
            #expect(error?.message.contains("secret") == false, "the database password is not repeated")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.dataDirectory).isEmpty, "nothing was created")
            let rotateError = await #expect(throws: JWTAuthError.self) {
                try await rotateSigningKey(configuration: elsewhere.configuration, logger: .quiet)
            }
            #expect(rotateError?.code == .invalidInput)

            guard database == "sqlite" else { return }
            // With the file, or with key files, it starts.
            var given = elsewhere
            given.configuration.keyEncryptionKeyFile = fixture.dataDirectory + "/given.key"
            try KeyEncryptionKey.generate().fileContents.write(toFile: fixture.dataDirectory + "/given.key", atomically: true, encoding: .utf8)
            try await given.run { api in
                let kids = try await api.publishedKeyIDs()
                #expect(kids.count == 2)
            }
            var files = elsewhere
            files.configuration.keysDirectory = fixture.dataDirectory + "/key-files"
            try await files.run { api in
                let kids = try await api.publishedKeyIDs()
                #expect(kids.count == 1)
            }
            #expect(!FileManager.default.fileExists(atPath: fixture.dataDirectory + "/keys/key-encryption.key"))
        }
    }

    @Test("A data directory whose key-encryption key an earlier version made at DATA/key-encryption.key keeps using it")
    func earlierKeyEncryptionKeyLocation() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            let earlier = fixture.dataDirectory + "/key-encryption.key"
            try KeyEncryptionKey.generate().fileContents.write(toFile: earlier, atomically: true, encoding: .utf8)
            try await fixture.run { _ in }
            try await fixture.run { api in
                let kids = try await api.publishedKeyIDs()
                #expect(kids.count == 2, "a restart opens the keys")
            }
            #expect(!FileManager.default.fileExists(atPath: fixture.dataDirectory + "/keys/key-encryption.key"), "no new key was made")
            // The keys were sealed under the earlier file, and jwtauth keys finds it too.
            var explicit = fixture
            explicit.configuration.keyEncryptionKeyFile = earlier
            _ = try await rotateSigningKey(configuration: explicit.configuration, clock: fixture.clock, logger: .quiet)
            _ = try await rotateSigningKey(configuration: fixture.configuration, clock: fixture.clock, logger: .quiet)
        }
    }

    @Test("jwtauth keys only reads the key-encryption key: a missing one is an error, never created")
    func administrationNeverCreatesTheKeyEncryptionKey() async throws {
        try await ServerFixture.with(Self.configure) { fixture in
            try await fixture.run { _ in }
            let path = fixture.dataDirectory + "/keys/key-encryption.key"
            try FileManager.default.removeItem(atPath: path)
            for operation in ["rotate", "revoke"] {
                let error = await #expect(throws: JWTAuthError.self) {
                    if operation == "rotate" {
                        _ = try await rotateSigningKey(configuration: fixture.configuration, clock: fixture.clock, logger: .quiet)
                    } else {
                        _ = try await revokeSigningKey("some-kid", configuration: fixture.configuration, clock: fixture.clock, logger: .quiet)
                    }
                }
                #expect(error?.code == .keyInvalid, "\(operation)")
                #expect(error?.message.contains(path) == true, "\(String(describing: error))")
                #expect(!FileManager.default.fileExists(atPath: path), "\(operation) created a key-encryption key")
            }
        }
    }

    @Test("A rotation schedule that would publish more than 200 keys is refused at start, naming the shortest rotation that fits")
    func tooManyPublishedKeys() async throws {
        try await ServerFixture.with({
            $0.keyRotationInterval = .seconds(10)
            $0.keyPublishAhead = .seconds(10)
        }) { fixture in
            let error = await #expect(throws: JWTAuthError.self) { try await fixture.run { _ in } }
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains("--key-rotation") == true && error?.message.contains("2198") == true, "\(String(describing: error))")
            #expect(error?.message.contains("rotate every 111s or more") == true, "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.dataDirectory).isEmpty, "refused before anything was created")

            var fits = fixture
            fits.configuration.keyRotationInterval = .seconds(111)
            try await fits.run { api in
                let kids = try await api.publishedKeyIDs()
                #expect(kids.count == 2)
            }
            // Key files do not rotate on a schedule.
            var files = fixture
            files.configuration.keysDirectory = fixture.dataDirectory + "/key-files"
            try await files.run { _ in }
        }
    }

    @Test("A data directory from before keys lived in the database: its key files are imported on first start and its tokens keep working")
    func upgradeFromKeyFiles() async throws {
        try await ServerFixture.with { fixture in
            // The old layout, made the old way: the keys directory under the data directory.
            var old = fixture
            old.configuration.keysDirectory = fixture.dataDirectory + "/keys"
            let retiredKey = try JWTKey.generate(.es256)
            try FileManager.default.createDirectory(atPath: fixture.dataDirectory + "/keys", withIntermediateDirectories: true)
            try writeAtomically(fixture.dataDirectory + "/keys/retired-1.jwk", try retiredKey.jwk(includingPrivateKey: true))
            let tokens = try await old.run { api in try await api.signUp("alice").tokens }
            let fileKeyID = try #require(keyID(of: tokens.access))

            fixture.clock.advance(by: .seconds(10))
            try await fixture.run { api in
                let published = try await api.publishedKeyIDs()
                #expect(published.first == fileKeyID)
                #expect(published.contains(try #require(retiredKey.keyID)))
                #expect(try await api.me(tokens.access).status == .ok)
                let refreshed = try await api.refresh(tokens.refresh)
                #expect(refreshed.status == .ok, "\(refreshed.text)")
                #expect(keyID(of: try Tokens(refreshed).access) == fileKeyID, "the imported key is current")
            }
            let keys = try await listSigningKeys(configuration: fixture.configuration, logger: .quiet)
            #expect(keys.map(\.state) == [.current, .next, .retired])
            #expect(keys[0].keyID == fileKeyID && keys[2].keyID == retiredKey.keyID)
        }
    }

    @Test("Key files given with a keys directory are reloaded when they change, and the CLI says keys come from files")
    func keyFilesReload() async throws {
        try await ServerFixture.with({
            $0.keysDirectory = $0.dataDirectory + "/mounted-keys"
            $0.keysDirectoryPollInterval = .milliseconds(20)
        }) { fixture in
            let directory = fixture.dataDirectory + "/mounted-keys"
            try await fixture.run { api in
                let (_, tokens) = try await api.signUp("alice")
                let first = try #require(keyID(of: tokens.access))
                #expect(try await api.publishedKeyIDs() == [first])

                // Publish a new key first, then make it sign.
                let newKey = try JWTKey.generate(.es256)
                try writeAtomically(directory + "/next.jwk", try newKey.jwk(includingPrivateKey: true))
                try await eventually("the new key file is published") { try await api.publishedKeyIDs().count == 2 }
                try FileManager.default.moveItem(atPath: directory + "/signing.jwk", toPath: directory + "/retired.jwk")
                try FileManager.default.moveItem(atPath: directory + "/next.jwk", toPath: directory + "/signing.jwk")
                try await eventually("the new key signs") { try await api.signingKeyID("alice") == newKey.keyID }
                #expect(try await api.me(tokens.access).status == .ok, "the old key is still published")

                try FileManager.default.removeItem(atPath: directory + "/retired.jwk")
                try await eventually("the removed key's tokens are refused") { try await api.me(tokens.access).status == .unauthorized }

                let keys = try await listSigningKeys(configuration: fixture.configuration, logger: .quiet)
                #expect(keys.map(\.keyID) == [newKey.keyID] && keys.first?.state == .current)
                for operation in ["rotate", "revoke"] {
                    let error = await #expect(throws: JWTAuthError.self) {
                        if operation == "rotate" {
                            _ = try await rotateSigningKey(configuration: fixture.configuration, logger: .quiet)
                        } else {
                            _ = try await revokeSigningKey(first, configuration: fixture.configuration, logger: .quiet)
                        }
                    }
                    #expect(error?.code == .invalidInput)
                    #expect(error?.message.contains("keys come from files") == true)
                }
            }
        }
    }
}
