#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Registration, login, password changes and disabling: the account side, in front of the
/// ``SessionManager``.
public struct AccountManager: Sendable {
    /// Input limits. Every field a client sends has a cap.
    public struct Limits: Sendable, Hashable {
        /// Username length in characters (default 3…64).
        public var usernameLength: ClosedRange<Int> = 3...64
        /// bcrypt reads at most 72 bytes; longer passwords are refused rather than cut.
        public var passwordBytes: ClosedRange<Int> = 8...72
        /// The longest `client_id` accepted, in printable ASCII characters (default 128).
        public var clientIDLength = 128
        /// The `User-Agent` is cut to this many characters before it is stored (default 512).
        public var userAgentLength = 512
        /// Creates the default limits.
        public init() {}
    }

    /// The session engine that starts and revokes the accounts' sessions.
    public let sessions: SessionManager
    /// Hashes and checks passwords.
    public let hasher: any PasswordHasher
    /// Refuses logins after too many failures per username or address; wrong current passwords count too.
    public let rateLimiter: LoginRateLimiter
    /// The input limits every field is checked against.
    public let limits: Limits
    /// Refuses registrations past a number per client address.
    public let registrationLimiter: RegistrationRateLimiter
    /// Registrations hash one at a time, so that a flood of them leaves hashing threads to logins.
    private let registrationWork = PasswordWorkQueue(width: 1, maximumWaiting: 64)
    /// A hash of a random password, checked when the username is unknown so that a login
    /// takes as long either way and does not reveal which usernames exist.
    private let decoyHash: String

    /// The session manager's user store.
    public var users: any UserStore { self.sessions.users }
    /// The session manager's audit log, where account events are recorded too.
    public var audit: any AuditLog { self.sessions.audit }

    /// Creates an account manager.
    ///
    /// It hashes a random decoy password with `hasher` up front (logins of unknown usernames are
    /// checked against it), which is why it is async and throws what the hasher throws.
    public init(
        sessions: SessionManager,
        hasher: any PasswordHasher,
        rateLimiter: LoginRateLimiter = LoginRateLimiter(),
        limits: Limits = Limits(),
        registrationLimiter: RegistrationRateLimiter = RegistrationRateLimiter()
    ) async throws {
        self.sessions = sessions
        self.hasher = hasher
        self.rateLimiter = rateLimiter
        self.limits = limits
        self.registrationLimiter = registrationLimiter
        self.decoyHash = try await hasher.hash(RandomIdentifier.make())
    }

    /// Creates an account. Throws `invalid_input` for unacceptable fields, `username_taken`, and
    /// `rate_limited` past the registrations allowed from `origin`'s client address.
    @discardableResult
    public func register(username: String, password: String, roles: [String] = [], origin: AuditOrigin = AuditOrigin()) async throws -> UserRecord {
        try self.validate(username: username)
        try self.validate(password: password)
        do {
            try self.registrationLimiter.admit(address: origin.clientAddress, now: self.sessions.clock.now)
        } catch {
            self.sessions.metrics.recordRateLimited()
            throw error
        }
        let hasher = self.hasher
        let user = UserRecord(
            id: UUID().uuidString.lowercased(),
            username: UsernameProfile.displayForm(username),
            passwordHash: try await self.registrationWork.run { try await hasher.hash(password) },
            roles: roles,
            createdAt: self.sessions.clock.now
        )
        try await self.users.createUser(user)
        self.audit.record(origin.event(.userRegistered, at: user.createdAt, userID: user.id))
        return user
    }

    /// Checks a password and starts a session. Failed attempts count towards the rate limits;
    /// a limited username or address is refused before the password is even checked.
    ///
    /// - Throws: `invalid_input` (also for a `client_id` of the machine clients' form, before
    ///   the password is checked), `rate_limited`, `invalid_credentials` (unknown user, wrong
    ///   password or disabled account — indistinguishable to the caller), `store_unavailable`
    ///   (also when the failed-login counts cannot be read or written: never an unchecked attempt).
    public func login(username: String, password: String, clientID: String?, userAgent: String?, address: String?) async throws -> TokenResponse {
        do {
            let tokens = try await self.checkLogin(username: username, password: password, clientID: clientID, userAgent: userAgent, address: address)
            self.sessions.metrics.logins.succeeded()
            return tokens
        } catch {
            self.sessions.metrics.logins.failed(error)
            if (error as? JWTAuthError)?.code == .rateLimited { self.sessions.metrics.recordRateLimited() }
            throw error
        }
    }

    private func checkLogin(username: String, password: String, clientID: String?, userAgent: String?, address: String?) async throws -> TokenResponse {
        guard self.limits.usernameLength.upperBound * 4 >= username.utf8.count else {
            throw JWTAuthError.invalidInput("username too long")
        }
        try self.validate(passwordForm: password)
        if let clientID { try self.validate(clientID: clientID) }
        let origin = AuditOrigin(clientAddress: address, userAgent: userAgent)
        let attempt: LoginRateLimiter.Attempt
        do {
            attempt = try await self.rateLimiter.begin(username: username, address: address, now: self.sessions.clock.now)
        } catch {
            // The username is not recorded: it may be a password typed in the wrong field.
            self.audit.record(origin.event(.loginFailed, at: self.sessions.clock.now, clientID: clientID, outcome: error.code.description))
            throw error
        }
        return try await self.finishing(attempt) {
            try await self.checkPassword(username: username, password: password, clientID: clientID, userAgent: userAgent, origin: origin)
        }
    }

    /// Runs the part of a login or password change that an attempt covers, then finishes the
    /// attempt: an `invalid_credentials` failure counts towards the limits, anything else not.
    ///
    /// A failure that cannot be recorded answers `store_unavailable` instead, so that a store
    /// outage never hands out unlimited guesses; a success that cannot be recorded is let
    /// through (the attempt stops counting after ``LoginRateLimiter/attemptLifetime``).
    private func finishing<Value: Sendable>(_ attempt: LoginRateLimiter.Attempt, _ body: () async throws -> Value) async throws -> Value {
        let result: Value
        do {
            result = try await body()
        } catch let error as JWTAuthError where error.code == .invalidCredentials {
            try await self.rateLimiter.finish(attempt, failed: true, now: self.sessions.clock.now)
            throw error
        } catch {
            try? await self.rateLimiter.finish(attempt, failed: false, now: self.sessions.clock.now)
            throw error
        }
        try? await self.rateLimiter.finish(attempt, failed: false, now: self.sessions.clock.now)
        return result
    }

    /// The password check and session start of a login whose attempt has begun; wrong
    /// credentials throw `invalid_credentials`.
    private func checkPassword(username: String, password: String, clientID: String?, userAgent: String?, origin: AuditOrigin) async throws -> TokenResponse {
        // No stored username holds a NUL (registration refuses control characters), and some
        // databases cannot even be asked about one: such a name is simply unknown.
        let user = username.utf8.contains(0) ? nil : try await self.users.user(username: username)
        let matches = try await self.hasher.verify(password, against: user?.passwordHash ?? self.decoyHash)
        // Whatever the outcome, a known user's check costs what the decoy's does.
        if let user { try await self.hasher.equalizeWork(after: user.passwordHash) }
        guard let user, matches, !user.isDisabled else {
            let outcome = user == nil || !matches ? JWTAuthError.Code.invalidCredentials : .userDisabled
            self.audit.record(origin.event(.loginFailed, at: self.sessions.clock.now, userID: user?.id, clientID: clientID, outcome: outcome.description))
            throw JWTAuthError(.invalidCredentials, "wrong username or password")
        }
        let agent = userAgent.map { String($0.prefix(self.limits.userAgentLength)) }
        let tokens = try await self.sessions.createSession(for: user, clientID: clientID, userAgent: agent)
        // The password was checked against the hash read before the bcrypt; a password change
        // or a disable that landed meanwhile revoked the user's sessions *before* this one was
        // created. Read the account again: unchanged means any later change will find and
        // revoke this session; changed means it must not survive — unless the new hash still
        // takes this password, which is what a concurrent login's rehash after a work-factor
        // change leaves behind (one more check, only then).
        let current = try await self.users.user(id: user.id)
        let unchanged: Bool
        if let current, !current.isDisabled {
            if current.passwordHash == user.passwordHash {
                unchanged = true
            } else {
                unchanged = try await self.hasher.verify(password, against: current.passwordHash)
            }
        } else {
            unchanged = false
        }
        guard let current, unchanged else {
            try await self.sessions.revokeSession(id: tokens.session.id, userID: user.id, reason: .passwordChanged)
            let outcome = current?.isDisabled == true ? JWTAuthError.Code.userDisabled : .invalidCredentials
            self.audit.record(origin.event(.loginFailed, at: self.sessions.clock.now, userID: user.id, clientID: clientID, outcome: outcome.description))
            throw JWTAuthError(.invalidCredentials, "wrong username or password")
        }
        let session = tokens.session
        self.audit.record(origin.event(.loginSucceeded, at: session.createdAt, userID: user.id, sessionID: session.id, clientID: session.clientID))
        if self.hasher.needsRehash(current.passwordHash) { await self.rehash(current, password: password) }
        return tokens
    }

    /// Changes a password after checking the current one (failures count towards the
    /// username's login limit); every session of the user ends.
    public func changePassword(userID: String, current: String, new: String, origin: AuditOrigin = AuditOrigin()) async throws {
        try self.validate(password: new)
        try self.validate(passwordForm: current)
        guard var user = try await self.users.user(id: userID) else { throw JWTAuthError(.notFound, "no such user") }
        // Guesses of the current password (with a stolen access token) count like failed logins.
        let attempt = try await self.beginPasswordCheck(username: user.username)
        try await self.finishing(attempt) {
            guard try await self.hasher.verify(current, against: user.passwordHash) else {
                let code = JWTAuthError.Code.invalidCredentials
                self.audit.record(origin.event(.passwordChanged, at: self.sessions.clock.now, userID: userID, outcome: code.description))
                throw JWTAuthError(code, "the current password is wrong")
            }
        }
        user.passwordHash = try await self.hasher.hash(new)
        _ = try await self.users.updateUser(user)
        try await self.sessions.revokeUser(id: userID, reason: .passwordChanged)
        self.audit.record(origin.event(.passwordChanged, at: self.sessions.clock.now, userID: userID))
    }

    /// Begins a counted check of a current password; a refusal is a rate limit like a login's.
    private func beginPasswordCheck(username: String) async throws(JWTAuthError) -> LoginRateLimiter.Attempt {
        do {
            return try await self.rateLimiter.begin(username: username, address: nil, now: self.sessions.clock.now)
        } catch {
            if error.code == .rateLimited { self.sessions.metrics.recordRateLimited() }
            throw error
        }
    }

    /// Replaces a hash made with an older work factor, now that the password is known. A
    /// failure only postpones it to the next login: the login itself has succeeded.
    private func rehash(_ user: UserRecord, password: String) async {
        do {
            let hash = try await self.hasher.hash(password)
            // Only if the password did not change meanwhile (a password change wins), and on
            // the latest record, so that a concurrent disable or role change is kept.
            guard var latest = try await self.users.user(id: user.id), latest.passwordHash == user.passwordHash, !latest.isDisabled else { return }
            latest.passwordHash = hash
            _ = try await self.users.updateUser(latest)
        } catch {
            return
        }
    }

    /// Sets a password without the current one (administration); every session ends.
    public func setPassword(userID: String, to password: String, origin: AuditOrigin = AuditOrigin()) async throws {
        try self.validate(password: password)
        guard var user = try await self.users.user(id: userID) else { throw JWTAuthError(.notFound, "no such user") }
        user.passwordHash = try await self.hasher.hash(password)
        _ = try await self.users.updateUser(user)
        try await self.sessions.revokeUser(id: userID, reason: .passwordChanged)
        self.audit.record(origin.event(.passwordChanged, at: self.sessions.clock.now, userID: userID))
    }

    /// Disables (or re-enables) an account; disabling ends every session and access token.
    public func setDisabled(userID: String, _ disabled: Bool, origin: AuditOrigin = AuditOrigin()) async throws {
        guard var user = try await self.users.user(id: userID) else { throw JWTAuthError(.notFound, "no such user") }
        user.isDisabled = disabled
        _ = try await self.users.updateUser(user)
        if disabled { try await self.sessions.revokeUser(id: userID, reason: .disabled) }
        self.audit.record(origin.event(disabled ? .userDisabled : .userEnabled, at: self.sessions.clock.now, userID: userID))
    }

    /// Removes an account and ends every session and access token of it. Its username is free
    /// again afterwards.
    ///
    /// - Throws: `not_found` for an unknown id, `store_unavailable`.
    public func removeUser(id userID: String, origin: AuditOrigin = AuditOrigin()) async throws {
        guard try await self.users.removeUser(id: userID) else { throw JWTAuthError(.notFound, "no such user") }
        // After the removal: a login racing it cannot start a session the revocation misses
        // (a login reads the account again after creating its session).
        try await self.sessions.revokeUser(id: userID, reason: .userRemoved)
        self.audit.record(origin.event(.userRemoved, at: self.sessions.clock.now, userID: userID))
    }

    // MARK: - Validation

    /// Throws `invalid_input` unless the username has an allowed length and no whitespace,
    /// control or format characters.
    public func validate(username: String) throws(JWTAuthError) {
        let count = username.count
        guard self.limits.usernameLength.contains(count), username.utf8.count <= self.limits.usernameLength.upperBound * 4 else {
            throw .invalidInput("a username has \(self.limits.usernameLength.lowerBound) to \(self.limits.usernameLength.upperBound) characters")
        }
        if let problem = UsernameProfile.problem(with: username) { throw .invalidInput(problem) }
    }

    /// Throws `invalid_input` unless the password has an allowed length in UTF-8 bytes and no NUL.
    public func validate(password: String) throws(JWTAuthError) {
        guard password.utf8.count >= self.limits.passwordBytes.lowerBound else {
            throw .invalidInput("a password has at least \(self.limits.passwordBytes.lowerBound) characters")
        }
        try self.validate(passwordForm: password)
    }

    /// Throws `invalid_input` for a password no account can have: longer than
    /// ``Limits/passwordBytes`` or holding a NUL. bcrypt reads at most 72 bytes and stops at a
    /// NUL, so such a password would otherwise log in with only its beginning; registration,
    /// logins and password changes refuse it alike, before any hashing or counting.
    public func validate(passwordForm password: String) throws(JWTAuthError) {
        guard password.utf8.count <= self.limits.passwordBytes.upperBound else {
            throw .invalidInput("a password has at most \(self.limits.passwordBytes.upperBound) bytes (bcrypt's limit)")
        }
        guard !password.utf8.contains(0) else { throw .invalidInput("a password may not contain NUL") }
    }

    /// Throws `invalid_input` unless the `client_id` is 1 to ``Limits/clientIDLength`` printable
    /// ASCII characters and does not start with ``ClientManager/clientIDPrefix`` (the ids of
    /// machine clients, which a user's session must never pass for).
    public func validate(clientID: String) throws(JWTAuthError) {
        guard !clientID.isEmpty, clientID.utf8.count <= self.limits.clientIDLength,
            clientID.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw .invalidInput("client_id is 1 to \(self.limits.clientIDLength) printable ASCII characters")
        }
        try SessionManager.refuseMachineClientID(clientID)
    }
}
