import HTTPTypes
import JWTAuth

extension AuthEndpoints {
    /// `POST /auth/register`, when registration is open.
    func register(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        guard self.allowsRegistration else {
            throw AuthHTTPError(.forbidden, error: "access_denied", description: "registration is closed")
        }
        let fields = try RequestFields.read(request)
        let username = try fields.required("username", maxBytes: 256)
        let password = try fields.required("password", maxBytes: 1024)
        let user = try await self.accounts.register(username: username, password: password, origin: self.origin(request))
        return .json(.created, ["id": .string(user.id), "username": .string(user.username)])
    }

    /// `POST /auth/logout-all`: ends every session of the signed-in user.
    func logoutAll(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let identity = try Self.userIdentity(request)
        try await self.sessions.revokeUser(id: identity.userID, reason: .logoutAll, origin: self.origin(request))
        return AuthHTTPResponse(status: .noContent)
    }

    /// `GET /auth/sessions`: the signed-in user's live sessions.
    func listSessions(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let identity = try Self.userIdentity(request)
        let sessions = try await self.sessions.activeSessions(of: identity.userID)
        let list: [JSONValue] = sessions.map { session in
            [
                "id": .string(session.id),
                "created_at": .integer(session.createdAt.wholeSeconds),
                "last_used_at": .integer(session.lastUsedAt.wholeSeconds),
                "expires_at": .integer(session.expiresAt.wholeSeconds),
                // Unless it is used (refreshed) before then; never later than expires_at.
                "idle_expires_at": .integer(min(session.refreshExpiresAt, session.expiresAt).wholeSeconds),
                "client_id": .string(session.clientID),
                "user_agent": session.userAgent.map(JSONValue.string) ?? .null,
                "current": .bool(session.id == identity.sessionID),
            ]
        }
        return .json(.ok, .array(list), headers: [.cacheControl: "no-store"])
    }

    /// `DELETE /auth/sessions/:id`: ends one of the signed-in user's sessions.
    func deleteSession(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let identity = try Self.userIdentity(request)
        let id = try Self.parameter("id", of: request)
        // Another user's session is reported exactly like a missing one (the lookup is by both).
        guard try await self.sessions.revokeSession(id: id, userID: identity.userID, reason: .userRevoked, origin: self.origin(request)) != nil else {
            throw AuthHTTPError(.notFound, error: "not_found", description: "no such session")
        }
        return AuthHTTPResponse(status: .noContent)
    }

    /// `POST /auth/password`: the signed-in user's new password, given the current one.
    func changePassword(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let identity = try Self.userIdentity(request)
        let fields = try RequestFields.read(request)
        do {
            try await self.accounts.changePassword(
                userID: identity.userID,
                current: try fields.required("current_password", maxBytes: 1024),
                new: try fields.required("new_password", maxBytes: 1024),
                origin: self.origin(request)
            )
        } catch let error as JWTAuthError where error.code == .invalidCredentials {
            // Never 401 here: a client reads 401 as "refresh the access token" and would retry
            // the same wrong password with a new one.
            throw AuthHTTPError.invalidGrant("the current password is wrong")
        }
        return AuthHTTPResponse(status: .noContent)
    }
}
