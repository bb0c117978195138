import HTTPTypes
import JWTAuth

extension AuthEndpoints {
    /// `GET /oauth/revocations` (docs/REVOCATION-FEED.md): Server-Sent Events by default, one
    /// JSON page with `Accept: application/json`. The reader is authenticated and holds the
    /// `revocations:read` scope (the route's access rule checked both).
    func revocationFeed(_ request: AuthHTTPRequest) throws -> AuthHTTPResponse {
        let identity = try Self.identity(request)
        if Self.acceptsJSONOnly(request.headers[.accept]) {
            // A cursor that cannot be read is one the feed does not know: the snapshot.
            let after = RequestFields.queryValue("after", in: request.query).flatMap { $0.isEmpty ? nil : RevocationCursor($0) }
            let page = RevocationFeed.jsonPage(self.sessions.feed.catchUp(after: after))
            return AuthHTTPResponse(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .bytes(Array(page.utf8))
            )
        }
        let lastEventID = Self.lastEventIDField.flatMap { request.headers[$0] }.flatMap { $0.isEmpty ? nil : RevocationCursor($0) }
        return AuthHTTPResponse(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: .events(AuthEventStream(sessions: self.sessions, identity: identity, after: lastEventID, heartbeat: self.revocationHeartbeat))
        )
    }

    static var lastEventIDField: HTTPField.Name? { HTTPField.Name("Last-Event-ID") }

    /// True when the `Accept` field asks for `application/json` and not for
    /// `text/event-stream`: the stream is the default.
    static func acceptsJSONOnly(_ accept: String?) -> Bool {
        guard let accept else { return false }
        // A media range is a type without spaces, then optional parameters after `;`.
        let types = accept.split(separator: ",").map { range in
            String(range.prefix(while: { $0 != ";" }).filter { $0 != " " && $0 != "\t" }).lowercased()
        }
        return types.contains("application/json") && !types.contains("text/event-stream")
    }
}
