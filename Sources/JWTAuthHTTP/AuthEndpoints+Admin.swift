import HTTPTypes
import JWTAuth

extension AuthEndpoints {
    /// `POST /admin/users/:id/revoke`: ends every session of a user, access tokens included.
    func adminRevoke(_ request: AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let id = try Self.parameter("id", of: request)
        guard try await self.accounts.users.user(id: id) != nil else {
            throw AuthHTTPError(.notFound, error: "not_found", description: "no such user")
        }
        try await self.sessions.revokeUser(id: id, reason: .adminRevoked, origin: self.origin(request))
        return AuthHTTPResponse(status: .noContent)
    }

    /// `POST /admin/users/:id/disable` and `…/enable`.
    func adminSetDisabled(_ request: AuthHTTPRequest, _ disabled: Bool) async throws -> AuthHTTPResponse {
        let id = try Self.parameter("id", of: request)
        try await self.accounts.setDisabled(userID: id, disabled, origin: self.origin(request))
        return AuthHTTPResponse(status: .noContent)
    }

    /// The filters `GET /admin/audit` takes; anything else is refused rather than ignored, so a
    /// misspelt filter never reads as "no events".
    static var auditFilters: Set<String> { ["user", "event", "after", "limit", "since"] }

    /// `GET /admin/audit?user=ID&event=E&since=UNIX&after=CURSOR&limit=N`: the audit log, oldest
    /// first, `{"events":[…],"next":CURSOR|null}`. Bad filters are 400 `invalid_request`.
    func audit(_ request: AuthHTTPRequest, store: any AuditStore) async throws -> AuthHTTPResponse {
        let query = try Self.auditQuery(RequestFields.query(request.query))
        let page = try await store.auditEvents(matching: query)
        return .json(
            .ok,
            [
                "events": .array(page.entries.map { $0.event.jsonValue(cursor: $0.cursor) }),
                "next": page.next.map { .string($0.value) } ?? .null,
            ],
            headers: [.cacheControl: "no-store"]
        )
    }

    /// The audit query of the decoded query parameters (each name once).
    static func auditQuery(_ values: [String: String]) throws -> AuditQuery {
        for name in values.keys where !Self.auditFilters.contains(name) {
            throw AuthHTTPError.invalidRequest("unknown filter \(name.prefix(64)); the filters are user, event, since, after and limit")
        }
        var query = AuditQuery()
        if let user = values["user"] {
            guard !user.isEmpty, user.utf8.count <= 256 else { throw AuthHTTPError.invalidRequest("user is a user id") }
            query.userID = user
        }
        if let event = values["event"] {
            guard let kind = AuditEventKind(named: event) else {
                throw AuthHTTPError.invalidRequest("unknown event; one of \(AuditEventKind.all.map(\.rawValue).joined(separator: ", "))")
            }
            query.kind = kind
        }
        if let since = values["since"] {
            guard since.utf8.count <= 12, let seconds = Int64(since), seconds >= 0 else {
                throw AuthHTTPError.invalidRequest("since is a time in seconds since 1970")
            }
            query.since = NumericDate(seconds)
        }
        if let after = values["after"] {
            do {
                query.after = try AuditCursor(parsing: after)
            } catch {
                throw AuthHTTPError.invalidRequest(error.message)
            }
        }
        if let limit = values["limit"] {
            guard limit.utf8.count <= 4, let count = Int(limit), (1...AuditQuery.maximumLimit).contains(count) else {
                throw AuthHTTPError.invalidRequest("limit is 1 to \(AuditQuery.maximumLimit)")
            }
            query.limit = count
        }
        return query
    }
}
