import Synchronization
import Testing

@testable import JWTAuth

/// The session engine on the memory store, with a manual clock: rotation, reuse detection,
/// lifetimes and revocation that reaches access tokens at once.
@Suite("Session engine")
struct SessionManagerTests {
    struct PlainHasher: PasswordHasher {
        func hash(_ password: String) async throws -> String { "plain:" + password }
        func verify(_ password: String, against hash: String) async throws -> Bool { hash == "plain:" + password }
    }

    /// A hasher whose password checks wait until the test opens the gate, so a test can hold
    /// logins in the middle of their bcrypt, as a slow hash does in production.
    final class GatedHasher: PasswordHasher {
        private let state = Mutex<(waiting: [CheckedContinuation<Void, Never>], isOpen: Bool)>(([], false))

        func hash(_ password: String) async throws -> String { "plain:" + password }

        func verify(_ password: String, against hash: String) async throws -> Bool {
            await withCheckedContinuation { continuation in
                let proceed = self.state.withLock { state -> Bool in
                    if state.isOpen { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if proceed { continuation.resume() }
            }
            // "rehashed:" is the same password under another work factor.
            return hash == "plain:" + password || hash == "rehashed:" + password
        }

        var waitingCount: Int { self.state.withLock { $0.waiting.count } }

        func open() {
            let waiting = self.state.withLock { state in
                state.isOpen = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume() }
        }

        /// Yields until `condition` holds (the tasks under test get to run), bounded.
        static func yield(until condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async {
            for _ in 0..<1_000_000 where !condition() { await Task.yield() }
            #expect(condition(), "the tasks did not get there", sourceLocation: sourceLocation)
        }
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { self.count.withLock { $0 += 1 } }
        var value: Int { self.count.withLock { $0 } }
    }

    struct Fixture {
        let clock = ManualClock(NumericDate(1_800_000_000))
        let store = MemoryStore()
        let key = try! JWTKey.generate(.es256)
        let manager: SessionManager
        let user = UserRecord(id: "u-1", username: "alice", passwordHash: "plain:correct horse", roles: ["reader"], createdAt: NumericDate(0))

        init(_ configure: (inout SessionConfiguration) -> Void = { _ in }) async throws {
            var configuration = SessionConfiguration(issuer: "https://auth.test")
            configure(&configuration)
            self.manager = try SessionManager(configuration: configuration, signingKey: self.key, sessions: self.store, users: self.store, clock: self.clock)
            try await self.store.createUser(self.user)
        }

        func login() async throws -> TokenResponse {
            try await self.manager.createSession(for: self.user, clientID: "web", userAgent: "tests")
        }
    }

    @Test("A session never carries a machine client's id: createSession and login refuse a c_ client_id with invalid_input")
    func machineClientID() async throws {
        let fixture = try await Fixture()
        let error = await #expect(throws: JWTAuthError.self) {
            try await fixture.manager.createSession(for: fixture.user, clientID: "c_12345", userAgent: nil)
        }
        #expect(error?.code == .invalidInput)
        let accounts = try await AccountManager(sessions: fixture.manager, hasher: PlainHasher())
        let loginError = await #expect(throws: JWTAuthError.self) {
            try await accounts.login(username: "alice", password: "correct horse", clientID: "c_12345", userAgent: nil, address: nil)
        }
        #expect(loginError?.code == .invalidInput)
        #expect(try await fixture.store.activeSessions(userID: "u-1", at: fixture.clock.now).isEmpty)
        #expect(try await fixture.manager.createSession(for: fixture.user, clientID: "web", userAgent: nil).session.clientID == "web")
    }

    @Test("A login issues an at+jwt access token and an rt+jwt refresh token with the claims each must carry")
    func tokenShapes() async throws {
        let fixture = try await Fixture()
        let pair = try await fixture.login()
        #expect(pair.expiresIn == 300)
        #expect(pair.refreshExpiresIn == 6 * 3600)
        let access = try fixture.manager.verifyAccessToken(pair.accessToken)
        #expect(access.userID == "u-1" && access.sessionID == pair.session.id && access.clientID == "web" && access.roles == ["reader"])
        let claims = access.token.claims
        #expect(claims.issuer == "https://auth.test" && claims.audience == ["https://auth.test"])
        #expect(claims.expiresAt == NumericDate(1_800_000_300) && claims.issuedAt == NumericDate(1_800_000_000))
        #expect(claims.tokenID != nil && claims.notBefore != nil)
        #expect(access.token.header.type == "at+jwt" && access.token.header.keyID == fixture.key.keyID)

        let refresh = try fixture.manager.verifyRefreshToken(pair.refreshToken)
        #expect(refresh.header.type == "rt+jwt")
        #expect(refresh.claims.audience == ["https://auth.test/oauth/token"])
        #expect(refresh.claims.tokenID == pair.session.currentTokenID)
        #expect(refresh.claims.sessionID == pair.session.id && refresh.claims.clientID == "web")
    }

    @Test("A refresh token never works as an access token, nor the other way round")
    func tokenTypesAreSeparate() async throws {
        let fixture = try await Fixture()
        let pair = try await fixture.login()
        expectRejected(.typeInvalid) { try fixture.manager.verifyAccessToken(pair.refreshToken) }
        await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(pair.accessToken) }
    }

    @Test("Refresh rotates: the new token works once, the old one trips reuse detection and revokes the session")
    func rotationAndReuse() async throws {
        let fixture = try await Fixture()
        let first = try await fixture.login()
        fixture.clock.advance(by: .seconds(10))
        let second = try await fixture.manager.refresh(first.refreshToken)
        #expect(second.refreshToken != first.refreshToken)
        #expect(second.session.previousTokenID == first.session.currentTokenID)
        _ = try fixture.manager.verifyAccessToken(second.accessToken)

        // Replay of the rotated-away token: the whole family is revoked…
        let error = await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(first.refreshToken) }
        #expect(error?.code == .refreshReused)
        // …including the newest refresh token and every access token of the session, at once.
        let afterReuse = await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(second.refreshToken) }
        #expect(afterReuse?.code == .sessionRevoked)
        expectRejected(.revoked) { try fixture.manager.verifyAccessToken(second.accessToken) }
        expectRejected(.revoked) { try fixture.manager.verifyAccessToken(first.accessToken) }
    }

    @Test("Inside the reuse interval the previous token gets the same successor; after it, reuse is detected")
    func reuseInterval() async throws {
        let fixture = try await Fixture { $0.reuseInterval = .seconds(5) }
        let first = try await fixture.login()
        let second = try await fixture.manager.refresh(first.refreshToken)
        fixture.clock.advance(by: .seconds(3))
        let again = try await fixture.manager.refresh(first.refreshToken)
        let secondClaims = try fixture.manager.verifyRefreshToken(second.refreshToken).claims
        let againClaims = try fixture.manager.verifyRefreshToken(again.refreshToken).claims
        #expect(againClaims.tokenID == secondClaims.tokenID)
        #expect(againClaims == secondClaims)
        fixture.clock.advance(by: .seconds(3))
        let error = await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(first.refreshToken) }
        #expect(error?.code == .refreshReused)
    }

    @Test("Access tokens expire after 5 minutes; the refresh idle timeout resets on rotation")
    func lifetimes() async throws {
        let fixture = try await Fixture()
        let pair = try await fixture.login()
        fixture.clock.advance(by: .seconds(300 + 59))
        #expect(throws: Never.self) { try fixture.manager.verifyAccessToken(pair.accessToken) }
        fixture.clock.advance(by: .seconds(1))
        expectRejected(.expired) { try fixture.manager.verifyAccessToken(pair.accessToken) }

        // Refresh just before the idle deadline, then wait almost another six hours.
        fixture.clock.set(NumericDate(1_800_000_000 + 6 * 3600 - 10))
        let renewed = try await fixture.manager.refresh(pair.refreshToken)
        #expect(renewed.refreshExpiresIn == 6 * 3600)
        fixture.clock.advance(by: .seconds(6 * 3600 - 1))
        let later = try await fixture.manager.refresh(renewed.refreshToken)
        // Idle past the deadline (and past the leeway): refused.
        fixture.clock.advance(by: .seconds(6 * 3600 + 61))
        await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(later.refreshToken) }
    }

    @Test("The absolute session lifetime caps the refresh token and is never extended")
    func absoluteLifetime() async throws {
        let fixture = try await Fixture {
            $0.accessTokenLifetime = .seconds(2)
            $0.refreshTokenLifetime = .seconds(4)
            $0.sessionLifetime = .seconds(7)
            $0.leeway = .zero
        }
        var pair = try await fixture.login()
        fixture.clock.advance(by: .seconds(3))
        pair = try await fixture.manager.refresh(pair.refreshToken)
        #expect(pair.refreshExpiresIn == 4)
        fixture.clock.advance(by: .seconds(3))
        pair = try await fixture.manager.refresh(pair.refreshToken)
        // Six seconds in: the session ends at seven, so the refresh token lives one more second.
        #expect(pair.refreshExpiresIn == 1)
        fixture.clock.advance(by: .seconds(1))
        let error = await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(pair.refreshToken) }
        #expect(error?.code == .expired || error?.code == .sessionExpired)
    }

    @Test("Logout ends one session; its access token is refused on the very next check")
    func logout() async throws {
        let fixture = try await Fixture()
        let phone = try await fixture.login()
        let laptop = try await fixture.login()
        try await fixture.manager.logout(refreshToken: phone.refreshToken)
        expectRejected(.revoked) { try fixture.manager.verifyAccessToken(phone.accessToken) }
        #expect(throws: Never.self) { try fixture.manager.verifyAccessToken(laptop.accessToken) }
        let error = await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(phone.refreshToken) }
        #expect(error?.code == .sessionRevoked)
        // Logging out twice is fine.
        try await fixture.manager.logout(refreshToken: phone.refreshToken)
        #expect(try await fixture.manager.activeSessions(of: "u-1").map(\.id) == [laptop.session.id])
    }

    @Test("Revoking a user ends every session and every access token issued so far, but not later logins")
    func revokeUser() async throws {
        let fixture = try await Fixture()
        let a = try await fixture.login()
        let b = try await fixture.login()
        fixture.clock.advance(by: .seconds(1))
        try await fixture.manager.revokeUser(id: "u-1", reason: .adminRevoked)
        for pair in [a, b] {
            expectRejected(.revoked) { try fixture.manager.verifyAccessToken(pair.accessToken) }
            await #expect(throws: JWTAuthError.self) { try await fixture.manager.refresh(pair.refreshToken) }
        }
        let fresh = try await fixture.login()
        #expect(throws: Never.self) { try fixture.manager.verifyAccessToken(fresh.accessToken) }
    }

    @Test("A user's oldest sessions are evicted past the maximum, and their tokens stop working")
    func eviction() async throws {
        let fixture = try await Fixture { $0.maximumSessionsPerUser = 3 }
        var pairs: [TokenResponse] = []
        for _ in 0..<5 {
            pairs.append(try await fixture.login())
            fixture.clock.advance(by: .seconds(1))
        }
        let active = try await fixture.manager.activeSessions(of: "u-1").map(\.id)
        #expect(active == pairs.suffix(3).reversed().map(\.session.id))
        expectRejected(.revoked) { try fixture.manager.verifyAccessToken(pairs[0].accessToken) }
        #expect(throws: Never.self) { try fixture.manager.verifyAccessToken(pairs[4].accessToken) }
    }

    @Test("Revocations are forgotten once no access token from before them can be valid")
    func cacheRetention() async throws {
        let fixture = try await Fixture()
        let pair = try await fixture.login()
        try await fixture.manager.revokeSession(id: pair.session.id, userID: "u-1", reason: .logout)
        #expect(fixture.manager.revocations.count.sessions == 1)
        fixture.clock.advance(by: .seconds(300 + 60 + 2))
        fixture.manager.revocations.prune(now: fixture.clock.now)
        #expect(fixture.manager.revocations.count.sessions == 0)
        // The token is refused anyway: it expired.
        expectRejected(.expired) { try fixture.manager.verifyAccessToken(pair.accessToken) }
    }

    @Test("Concurrent failed logins cannot outrun the limit: attempts still checking their password count")
    func concurrentFailedLogins() async throws {
        let fixture = try await Fixture()
        let hasher = GatedHasher()
        let accounts = try await AccountManager(
            sessions: fixture.manager,
            hasher: hasher,
            rateLimiter: LoginRateLimiter(perUsername: .init(attempts: 3, window: .seconds(900)))
        )
        try await accounts.register(username: "bob", password: "password-1")
        let refused = Counter()
        let codes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try await accounts.login(username: "bob", password: "wrong-password", clientID: nil, userAgent: nil, address: nil)
                        return "logged in"
                    } catch let error as JWTAuthError {
                        if error.code == .rateLimited { refused.increment() }
                        return error.code.description
                    } catch {
                        return "\(error)"
                    }
                }
            }
            // Every attempt is either refused or holding in its password check.
            await GatedHasher.yield(until: { refused.value + hasher.waitingCount == 20 })
            hasher.open()
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(codes.count(where: { $0 == "invalid_credentials" }) == 3, "\(codes)")
        #expect(codes.count(where: { $0 == "rate_limited" }) == 17, "\(codes)")
    }

    @Test("A login whose password check overlaps a password change does not keep a session")
    func loginRacingPasswordChange() async throws {
        let fixture = try await Fixture()
        let hasher = GatedHasher()
        let accounts = try await AccountManager(sessions: fixture.manager, hasher: hasher)
        let bob = try await accounts.register(username: "bob", password: "password-1")
        let login = Task { try await accounts.login(username: "bob", password: "password-1", clientID: nil, userAgent: nil, address: nil) }
        // The login has read the old hash and is checking the old password …
        await GatedHasher.yield(until: { hasher.waitingCount == 1 })
        // … when an administrator sets a new one, which ends every session that exists now.
        try await accounts.setPassword(userID: bob.id, to: "password-2")
        hasher.open()
        let error = await #expect(throws: JWTAuthError.self) { _ = try await login.value }
        #expect(error?.code == .invalidCredentials)
        #expect(try await fixture.manager.activeSessions(of: bob.id).isEmpty)
    }

    @Test("A login whose password check overlaps another login's rehash of the same password keeps its session")
    func loginRacingRehash() async throws {
        let fixture = try await Fixture()
        let hasher = GatedHasher()
        let accounts = try await AccountManager(sessions: fixture.manager, hasher: hasher)
        let bob = try await accounts.register(username: "bob", password: "password-1")
        let login = Task { try await accounts.login(username: "bob", password: "password-1", clientID: nil, userAgent: nil, address: nil) }
        await GatedHasher.yield(until: { hasher.waitingCount == 1 })
        // Another login of bob's, after a work-factor change, stores a new hash of the same password.
        var rehashed = try #require(try await fixture.store.user(id: bob.id))
        rehashed.passwordHash = "rehashed:password-1"
        #expect(try await fixture.store.updateUser(rehashed))
        hasher.open()
        let tokens = try await login.value
        #expect(try await fixture.manager.activeSessions(of: bob.id).map(\.id) == [tokens.session.id])
    }

    @Test("A restarted engine reloads revocations from the store before verifying")
    func reloadRevocations() async throws {
        let fixture = try await Fixture()
        let pair = try await fixture.login()
        try await fixture.manager.revokeSession(id: pair.session.id, userID: "u-1", reason: .logout)
        let restarted = try SessionManager(
            configuration: fixture.manager.configuration,
            signingKey: fixture.key,
            sessions: fixture.store,
            users: fixture.store,
            clock: fixture.clock
        )
        #expect(throws: Never.self) { try restarted.verifyAccessToken(pair.accessToken) }  // empty cache: not yet loaded
        try await restarted.loadRevocations()
        expectRejected(.revoked) { try restarted.verifyAccessToken(pair.accessToken) }
    }

    @Test("Accounts: register, log in, wrong password, case-insensitive usernames, rate limit on failures only")
    func accounts() async throws {
        let fixture = try await Fixture()
        let accounts = try await AccountManager(
            sessions: fixture.manager,
            hasher: PlainHasher(),
            rateLimiter: LoginRateLimiter(perUsername: .init(attempts: 3, window: .seconds(900)), perAddress: .init(attempts: 5, window: .seconds(900)))
        )
        let bob = try await accounts.register(username: "Bob", password: "password-1")
        await #expect(throws: JWTAuthError(.usernameTaken, "the username is taken")) { try await accounts.register(username: "bob", password: "password-2") }
        for bad in ["ab", "with space", String(repeating: "x", count: 65), "tab\tname"] {
            let error = await #expect(throws: JWTAuthError.self) { try await accounts.register(username: bad, password: "password-1") }
            #expect(error?.code == .invalidInput)
        }
        for bad in ["short", String(repeating: "p", count: 73)] {
            let error = await #expect(throws: JWTAuthError.self) { try await accounts.register(username: "carol", password: bad) }
            #expect(error?.code == .invalidInput)
        }

        // Successful logins never count.
        for _ in 0..<10 { _ = try await accounts.login(username: "BOB", password: "password-1", clientID: nil, userAgent: nil, address: "10.0.0.1") }
        for _ in 0..<3 {
            let error = await #expect(throws: JWTAuthError.self) {
                try await accounts.login(username: "bob", password: "wrong-password", clientID: nil, userAgent: nil, address: "10.0.0.1")
            }
            #expect(error?.code == .invalidCredentials)
        }
        let limited = await #expect(throws: JWTAuthError.self) {
            try await accounts.login(username: "bob", password: "password-1", clientID: nil, userAgent: nil, address: "10.0.0.2")
        }
        #expect(limited?.code == .rateLimited)
        #expect((limited?.retryAfter ?? .zero) > .seconds(800))
        // The window slides: fifteen minutes later the username may try again.
        fixture.clock.advance(by: .seconds(901))
        _ = try await accounts.login(username: "bob", password: "password-1", clientID: nil, userAgent: nil, address: "10.0.0.2")

        // Unknown users fail the same way, and count against the address.
        let unknown = await #expect(throws: JWTAuthError.self) {
            try await accounts.login(username: "nobody", password: "password-1", clientID: nil, userAgent: nil, address: "10.0.0.3")
        }
        #expect(unknown?.code == .invalidCredentials)

        // Disabling ends sessions and blocks logins.
        let session = try await accounts.login(username: "bob", password: "password-1", clientID: nil, userAgent: nil, address: nil)
        fixture.clock.advance(by: .seconds(1))
        try await accounts.setDisabled(userID: bob.id, true)
        expectRejected(.revoked) { try fixture.manager.verifyAccessToken(session.accessToken) }
        let disabled = await #expect(throws: JWTAuthError.self) {
            try await accounts.login(username: "bob", password: "password-1", clientID: nil, userAgent: nil, address: nil)
        }
        #expect(disabled?.code == .invalidCredentials)
    }

    /// A user store that can be switched off, to stand for an outage.
    final class SwitchableUserStore: UserStore {
        let base: MemoryStore
        let down = Atomic(false)

        init(_ base: MemoryStore) { self.base = base }

        var isDown: Bool {
            get { self.down.load(ordering: .sequentiallyConsistent) }
            set { self.down.store(newValue, ordering: .sequentiallyConsistent) }
        }

        private func check() throws {
            if self.isDown { throw JWTAuthError(.storeUnavailable, "users are down") }
        }
        func createUser(_ user: UserRecord) async throws {
            try self.check()
            try await self.base.createUser(user)
        }
        func user(id: String) async throws -> UserRecord? {
            try self.check()
            return try await self.base.user(id: id)
        }
        func user(username: String) async throws -> UserRecord? {
            try self.check()
            return try await self.base.user(username: username)
        }
        func updateUser(_ user: UserRecord) async throws -> Bool {
            try self.check()
            return try await self.base.updateUser(user)
        }
        func userCount() async throws -> Int {
            try self.check()
            return try await self.base.userCount()
        }
        func users() async throws -> [UserRecord] {
            try self.check()
            return try await self.base.users()
        }
        func removeUser(id: String) async throws -> Bool {
            try self.check()
            return try await self.base.removeUser(id: id)
        }
        func checkHealth() async throws { try self.check() }
    }

    @Test("A refresh that fails because the user store is down does not use up the refresh token")
    func refreshDuringUserStoreOutage() async throws {
        let store = MemoryStore()
        let users = SwitchableUserStore(store)
        let user = UserRecord(id: "u-1", username: "alice", passwordHash: "x", createdAt: NumericDate(0))
        try await store.createUser(user)
        let manager = try SessionManager(
            configuration: SessionConfiguration(issuer: "https://auth.test"),
            signingKey: try JWTKey.generate(.es256),
            sessions: store,
            users: users,
            clock: ManualClock(NumericDate(1_800_000_000))
        )
        let pair = try await manager.createSession(for: user, clientID: nil, userAgent: nil)
        users.isDown = true
        let outage = await #expect(throws: JWTAuthError.self) { try await manager.refresh(pair.refreshToken) }
        #expect(outage?.code == .storeUnavailable)
        users.isDown = false
        // The retry succeeds: the token was not rotated behind the failure.
        let next = try await manager.refresh(pair.refreshToken)
        #expect(next.session.previousTokenID == pair.session.currentTokenID)
    }

    @Test("Changing the password ends every session")
    func passwordChange() async throws {
        let fixture = try await Fixture()
        let accounts = try await AccountManager(sessions: fixture.manager, hasher: PlainHasher())
        let user = try await accounts.register(username: "dave", password: "old-password")
        let pair = try await accounts.login(username: "dave", password: "old-password", clientID: nil, userAgent: nil, address: nil)
        fixture.clock.advance(by: .seconds(1))
        await #expect(throws: JWTAuthError.self) { try await accounts.changePassword(userID: user.id, current: "wrong-one", new: "new-password") }
        try await accounts.changePassword(userID: user.id, current: "old-password", new: "new-password")
        expectRejected(.revoked) { try fixture.manager.verifyAccessToken(pair.accessToken) }
        _ = try await accounts.login(username: "dave", password: "new-password", clientID: nil, userAgent: nil, address: nil)
    }
}
