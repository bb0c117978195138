import HummingbirdJWTAuth
import JWTAuth
import Logging
import NIOPosix

/// What the administration commands act with: the account manager and session engine on the
/// configured stores, and the audit recorder their events go to.
struct Administration: Sendable {
    /// The origin recorded for changes made from the command line (no address; this agent).
    static let origin = AuditOrigin(userAgent: "jwtauth (command line)")

    let accounts: AccountManager
    let audit: AuditRecorder
    let clients: any ClientStore

    var sessions: SessionManager { self.accounts.sessions }
    var users: any UserStore { self.accounts.users }

    /// Opens the configured stores, runs `body`, writes the audit events it recorded, and
    /// closes the stores, whether or not `body` threw.
    ///
    /// Revocations go through the session store's log (and its change feed), which running
    /// servers follow: a change takes effect on them at once, as `keys revoke` does.
    static func run<Result>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        clock: any UnixClock = SystemClock(),
        _ body: (Administration) async throws -> Result
    ) async throws -> Result {
        try await ServerStores.withStores(configuration, logger: logger) { stores in
            let audit = AuditRecorder(store: stores.audit, clock: clock, logger: logger)
            let pool = NIOThreadPool(numberOfThreads: 1)
            pool.start()
            do {
                // The key never signs anything here: administration only stores and revokes.
                let sessions = try SessionManager(
                    configuration: configuration.session,
                    signingKey: try JWTKey.generate(.hs256),
                    sessions: stores.sessions,
                    users: stores.users,
                    clock: clock,
                    audit: audit,
                    logger: logger
                )
                let accounts = try await AccountManager(sessions: sessions, hasher: BcryptPasswordHasher(cost: configuration.bcryptCost, threadPool: pool))
                let result = try await body(Administration(accounts: accounts, audit: audit, clients: stores.clients))
                try await audit.flush()
                try? await pool.shutdownGracefully()
                return result
            } catch {
                // What was done before the failure is on record too.
                try? await audit.flush()
                try? await pool.shutdownGracefully()
                throw error
            }
        }
    }

    /// The user with this id, else the one with this username; `not_found` for neither.
    func user(_ idOrName: String) async throws -> UserRecord {
        if let user = try await self.users.user(id: idOrName) { return user }
        if !idOrName.utf8.contains(0), let user = try await self.users.user(username: idOrName) { return user }
        throw JWTAuthError(.notFound, "no user has the id or name \(idOrName)")
    }

    /// The one user given (id or username), or every user when none is.
    func matchingUsers(_ idOrName: String?) async throws -> [UserRecord] {
        guard let idOrName else { return try await self.users.users() }
        return [try await self.user(idOrName)]
    }
}
