public import JWTAuth
public import JWTAuthHTTP
public import Vapor

extension Request {
    /// The request's JWTAuth identity and the app's engine.
    public var jwtAuth: JWTAuthentication { JWTAuthentication(request: self) }

    /// JWTAuth as a route handler sees it.
    public struct JWTAuthentication: Sendable {
        let request: Request

        /// The identity ``JWTAuthAuthenticator`` logged in, if any.
        public var user: JWTAuthUser? { self.request.auth.get(JWTAuthUser.self) }

        /// The identity, or a 401 challenge (``AuthHTTPError``, answered in the JSON error shape
        /// by the ``JWTAuthAuthenticator`` in front of the route).
        @discardableResult
        public func require() throws -> JWTAuthUser {
            try self.require(.user)
        }

        /// The identity when it has `role`; else 401 without one, 403 `insufficient_scope`.
        @discardableResult
        public func require(role: String) throws -> JWTAuthUser {
            try self.require(.role(role))
        }

        /// The identity when its `scope` has `scope`; else 401 without one, 403 `insufficient_scope`.
        @discardableResult
        public func require(scope: String) throws -> JWTAuthUser {
            try self.require(.scope(scope))
        }

        private func require(_ access: AuthRoute.Access) throws -> JWTAuthUser {
            let user = self.user
            _ = try AccessTokenAuthentication.authorize(user?.token, for: access)
            guard let user else { throw AuthHTTPError.authenticationRequired() }
            return user
        }

        /// The app's session engine, when it issues tokens (to issue, list or revoke sessions
        /// from your own routes).
        public var sessions: SessionManager? { self.request.application.jwtAuth.sessions }
    }
}
