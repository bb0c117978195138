import Foundation
import JWTAuth
import JWTAuthSQL
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("Sessions, users and revocations survive closing and reopening the file")
    func persistence() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/store.sqlite"
        let now = NumericDate(1_800_000_000)
        do {
            let store = try await SQLStore.sqlite(path: path)
            _ = try await store.createSession(StoreConformanceTests.session("s-1"), maximumPerUser: 20)
            _ = try await store.createSession(StoreConformanceTests.session("s-2"), maximumPerUser: 20)
            _ = try await store.rotate(StoreConformanceTests.rotation("s-1", "jti-0", "jti-1"))
            _ = try await store.revokeSession(id: "s-2", userID: "user-1", at: now, reason: .logout)
            try await store.createUser(UserRecord(id: "u", username: "dana", passwordHash: "h", createdAt: now))
            try await store.close()
        }
        let reopened = try await SQLStore.sqlite(path: path)
        #expect(try await reopened.session(id: "s-1", userID: "user-1")?.currentTokenID == "jti-1")
        #expect(try await reopened.session(id: "s-2", userID: "user-1")?.revokedAt == now)
        #expect(try await reopened.user(username: "DANA")?.id == "u")
        #expect(try await reopened.revocations(after: nil).events.map(\.subject) == ["s-2"])
        #expect(try await reopened.schemaVersion() == 6)
        try await reopened.close()
    }

    @Test("Purging deletes expired and revoked sessions for good")
    func purgeDeletes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await SQLStore.sqlite(path: directory.path + "/purge.sqlite")
        let now = NumericDate(1_800_000_000)
        _ = try await store.createSession(StoreConformanceTests.session("old", lifetime: .seconds(100)), maximumPerUser: 20)
        _ = try await store.createSession(StoreConformanceTests.session("revoked"), maximumPerUser: 20)
        _ = try await store.revokeSession(id: "revoked", userID: "user-1", at: now + .seconds(1), reason: .logout)
        try await store.purgeExpired(at: now + .seconds(1000), revocationRetention: .seconds(500))
        #expect(try await store.session(id: "old", userID: "user-1") == nil)
        #expect(try await store.session(id: "revoked", userID: "user-1") == nil)
        try await store.close()
    }

    @Test("The database file and its -wal and -shm files are readable by their owner only")
    func filePermissions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func mode(_ path: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        let path = directory.path + "/private.sqlite"
        let store = try await SQLStore.sqlite(path: path)
        _ = try await store.createSession(StoreConformanceTests.session("s-1"), maximumPerUser: 20)
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        try await store.close()

        // A file an earlier version left open to others is tightened when it is opened.
        let older = directory.path + "/older.sqlite"
        #expect(FileManager.default.createFile(atPath: older, contents: nil, attributes: [.posixPermissions: 0o644]))
        #expect(try mode(older) == 0o644)
        let reopened = try await SQLStore.sqlite(path: older)
        _ = try await reopened.createSession(StoreConformanceTests.session("s-1"), maximumPerUser: 20)
        #expect(try mode(older) == 0o600)
        #expect(try mode(older + "-wal") == 0o600)
        try await reopened.close()
    }

    @Test("A file that is not a database is refused as unavailable, not a crash")
    func garbageFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/garbage.sqlite"
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = await #expect(throws: JWTAuthError.self) { try await SQLStore.sqlite(path: path) }
        #expect(error?.code == .storeUnavailable)
    }

    @Test("A process killed with SIGKILL mid-rotation loses no committed rotation", arguments: 0..<3)
    func crash(_ round: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/crash.sqlite"
        let probe = try #require(Self.probeExecutable(), "jwtauth-store-probe was not built")

        let process = Process()
        process.executableURL = probe
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // Read reported rotations until a random number of them have committed, then kill.
        let target = [25, 120, 400][round]
        var reported: [String] = []
        var buffer = Data()
        let handle = output.fileHandleForReading
        while reported.count < target {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if !line.hasPrefix("ready") { reported.append(line) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let lastReported = try #require(reported.last, "the probe reported nothing")

        // The database holds the last reported rotation, or the one after it (committed but
        // killed before it could be printed) — never an older one.
        let store = try await SQLStore.sqlite(path: path)
        let session = try #require(try await store.session(id: "crash-session", userID: "crash-user"))
        let lastNumber = Int(lastReported.dropFirst("jti-".count)) ?? -1
        let storedNumber = Int(session.currentTokenID.dropFirst("jti-".count)) ?? -2
        #expect(storedNumber == lastNumber || storedNumber == lastNumber + 1, "reported \(lastReported), stored \(session.currentTokenID)")
        #expect(session.previousTokenID == "jti-\(storedNumber - 1)")
        try await store.close()
    }

    /// The probe is built next to the test bundle.
    static func probeExecutable() -> URL? {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("jwtauth-store-probe")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
