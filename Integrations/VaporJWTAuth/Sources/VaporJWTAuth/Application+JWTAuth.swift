public import JWTAuth
public import JWTAuthHTTP
public import Vapor

extension Application {
    /// JWTAuth in this app: ``JWTAuthentication/use(_:)`` to configure it, then
    /// ``JWTAuthentication/authenticator(acceptsClientTokens:)`` for protected routes and
    /// ``JWTAuthentication/routes()`` for the token routes.
    public var jwtAuth: JWTAuthentication { JWTAuthentication(application: self) }

    /// JWTAuth's configuration of an ``Application``.
    public struct JWTAuthentication: Sendable {
        let application: Application

        struct Key: StorageKey {
            typealias Value = JWTAuthState
        }

        /// Configures how tokens are verified (and, with ``JWTAuthProvider/local(_:)``,
        /// issued): opens the stores and builds the engine now, starts following keys and
        /// revocations when the app has booted, and stops and closes everything at shutdown.
        ///
        /// - Throws: What opening the stores or the engine throws; `invalid_input` when
        ///   JWTAuth is already configured.
        public func use(_ provider: JWTAuthProvider) async throws {
            guard self.application.storage[Key.self] == nil else {
                throw JWTAuthError(.invalidInput, "app.jwtAuth is already configured")
            }
            let state = try await provider.make(self.application)
            self.application.storage[Key.self] = state
            self.application.lifecycle.use(JWTAuthLifecycle(state: state))
        }

        var state: JWTAuthState {
            get throws {
                guard let state = self.application.storage[Key.self] else {
                    throw JWTAuthError(.invalidInput, "configure app.jwtAuth.use(…) first")
                }
                return state
            }
        }

        /// A middleware that verifies Bearer tokens with the configured verifier and logs the
        /// identity in as a ``JWTAuthUser``.
        ///
        /// - Parameter acceptsClientTokens: Whether machine clients' own tokens are accepted
        ///   besides users' tokens (default false).
        public func authenticator(acceptsClientTokens: Bool = false) throws -> JWTAuthAuthenticator {
            let state = try self.state
            return JWTAuthAuthenticator(verifier: state.verifier, acceptsClientTokens: acceptsClientTokens, verifications: state.verifications)
        }

        /// The token routes of the HTTP contract (login, refresh, logout, sessions, password,
        /// OAuth, JWKS, metadata, admin) as a route collection:
        /// `try app.register(collection: app.jwtAuth.routes())`.
        ///
        /// - Throws: `invalid_input` unless the app issues tokens (``JWTAuthProvider/local(_:)``,
        ///   or ``JWTAuthProvider/sessions(_:accounts:endpoints:followsRevocations:)`` with endpoints).
        public func routes() throws -> JWTAuthRouteCollection {
            let state = try self.state
            guard let endpoints = state.endpoints, let sessions = state.sessions else {
                throw JWTAuthError(.invalidInput, "the token routes need an app that issues tokens: app.jwtAuth.use(.local(…))")
            }
            return JWTAuthRouteCollection(endpoints: endpoints, sessions: sessions, streams: state.streams)
        }

        /// The session engine, when the app issues tokens.
        public var sessions: SessionManager? { self.application.storage[Key.self]?.sessions }
        /// Accounts (registration, login, passwords), when the app issues tokens.
        public var accounts: AccountManager? { self.application.storage[Key.self]?.accounts }
        /// The verifier Bearer tokens are checked with, once configured.
        public var verifier: (any AccessTokenVerifier)? { self.application.storage[Key.self]?.verifier }

        /// Why tokens cannot be verified right now (no keys from the issuer yet, a stale
        /// revocation feed), for a health route; empty when they can.
        public var problems: [String] {
            guard let state = self.application.storage[Key.self] else { return ["app.jwtAuth is not configured"] }
            return state.problems()
        }
    }
}
