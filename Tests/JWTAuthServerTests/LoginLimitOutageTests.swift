import HTTPTypes
import Hummingbird
import HummingbirdJWTAuth
import HummingbirdTesting
import JWTAuth
import Synchronization
import Testing

/// When the store that counts failed logins cannot be reached, login fails closed: 503, never
/// an attempt let through unchecked, never a failure left uncounted.
@Suite("Login limits during a store outage")
struct LoginLimitOutageTests {
    /// Failed logins in memory, with switches that make its calls fail as an unreachable
    /// Redis or database would.
    final class SwitchableLoginLimitStore: LoginLimitStore {
        private let memory = MemoryLoginLimitStore()
        private let state = Mutex((beginFails: false, finishFails: false, begun: 0))

        func set(beginFails: Bool, finishFails: Bool) {
            self.state.withLock {
                $0.beginFails = beginFails
                $0.finishFails = finishFails
            }
        }

        /// Attempts this store has let start.
        var begun: Int { self.state.withLock { $0.begun } }

        func beginLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, now: NumericDate, inProgressUntil: NumericDate) async throws -> Duration?
        {
            if self.state.withLock({ $0.beginFails }) { throw JWTAuthError(.storeUnavailable, "the limit store failed to answer") }
            let wait = try await self.memory.beginLoginAttempt(id: id, key: key, limit: limit, now: now, inProgressUntil: inProgressUntil)
            if wait == nil { self.state.withLock { $0.begun += 1 } }
            return wait
        }

        func finishLoginAttempt(id: String, key: String, limit: LoginRateLimiter.Limit, failed: Bool, now: NumericDate) async throws {
            if self.state.withLock({ $0.finishFails }) { throw JWTAuthError(.storeUnavailable, "the limit store failed to answer") }
            try await self.memory.finishLoginAttempt(id: id, key: key, limit: limit, failed: failed, now: now)
        }
    }

    /// A hand-built app on the memory store whose login limits count in `limits`, with the
    /// user `alice`.
    static func app(limits: SwitchableLoginLimitStore, clock: ManualClock) async throws -> some ApplicationProtocol {
        let store = MemoryStore()
        let sessions = try SessionManager(
            configuration: SessionConfiguration(issuer: ServerFixture.issuer),
            signingKey: try JWTKey.generate(.es256),
            sessions: store,
            users: store,
            clock: clock
        )
        let accounts = try await AccountManager(
            sessions: sessions,
            hasher: PlainHasher(),
            rateLimiter: LoginRateLimiter(perUsername: .init(attempts: 3, window: .seconds(900)), store: limits)
        )
        try await accounts.register(username: "alice", password: "correct horse battery")
        let router = Router(context: JWTAuthContext.self)
        router.add(middleware: ErrorMiddleware(logger: .quiet))
        JWTAuthRoutes<JWTAuthContext>(sessions: sessions, accounts: accounts).addRoutes(to: router)
        return Application(router: router, logger: .quiet)
    }

    @Test("A login limit store that cannot be read answers 503 for right and wrong passwords alike; after it is back the limit still holds")
    func unreadable() async throws {
        let limits = SwitchableLoginLimitStore()
        let clock = ManualClock(ServerFixture.start)
        try await Self.app(limits: limits, clock: clock).test(.router) { client in
            let api = API(client: client, clock: clock)
            for _ in 1...2 { expectError(try await api.loginResponse("alice", "wrong password"), .unauthorized, "invalid_credentials") }

            limits.set(beginFails: true, finishFails: false)
            let begunBefore = limits.begun
            for password in ["wrong password", "another guess", "correct horse battery"] {
                let response = try await api.loginResponse("alice", password)
                expectError(response, .serviceUnavailable, "temporarily_unavailable", "\(password)")
                #expect(response.headers[.retryAfter] == "1")
            }
            #expect(limits.begun == begunBefore, "no attempt went ahead unchecked")

            limits.set(beginFails: false, finishFails: false)
            expectError(try await api.loginResponse("alice", "wrong password"), .unauthorized, "invalid_credentials")
            expectError(try await api.loginResponse("alice", "correct horse battery"), .tooManyRequests, "rate_limited", "three failures, as before the outage")
        }
    }

    @Test("A failed login that cannot be recorded answers 503, not 401; a successful one still logs in")
    func unwritable() async throws {
        let limits = SwitchableLoginLimitStore()
        let clock = ManualClock(ServerFixture.start)
        try await Self.app(limits: limits, clock: clock).test(.router) { client in
            let api = API(client: client, clock: clock)
            limits.set(beginFails: false, finishFails: true)
            for _ in 1...2 {
                expectError(try await api.loginResponse("alice", "wrong password"), .serviceUnavailable, "temporarily_unavailable")
            }
            #expect(try await api.loginResponse("alice", "correct horse battery").status == .ok)

            // The attempts that could not be finished still count, as attempts in progress,
            // until their lifetime has passed: three of them fill the limit.
            limits.set(beginFails: false, finishFails: false)
            expectError(try await api.loginResponse("alice", "wrong password"), .tooManyRequests, "rate_limited")
            clock.advance(by: .seconds(61))
            expectError(try await api.loginResponse("alice", "wrong password"), .unauthorized, "invalid_credentials")
        }
    }
}
