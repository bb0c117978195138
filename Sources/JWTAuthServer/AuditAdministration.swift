public import JWTAuth
import JWTAuthSQL
public import Logging

/// Reads the audit log of the configured database (`jwtauth audit`), where it is also with
/// sessions in Redis. `user` is an id or a username; a username no account has any more (a
/// removed user) matches nothing rather than failing, since its id is unknown.
///
/// Calls `page` with each page of matching events, oldest first, until the log is exhausted;
/// with `follow`, then keeps reading every `pollInterval` until cancelled.
///
/// - Throws: `store_unavailable`; what `page` throws.
public func readAuditLog(
    user: String?,
    kind: AuditEventKind?,
    since: NumericDate?,
    follow: Bool,
    pollInterval: Duration = .milliseconds(500),
    configuration: ServerConfiguration,
    logger: Logger,
    page: ([AuditEntry]) async throws -> Void
) async throws {
    try await ServerStores.withDatabase(configuration, logger: logger) { store in
        var query = AuditQuery(kind: kind, since: since, limit: AuditQuery.maximumLimit)
        if let user {
            let record: UserRecord?
            if let byID = try await store.user(id: user) {
                record = byID
            } else {
                record = user.utf8.contains(0) ? nil : try await store.user(username: user)
            }
            query.userID = record?.id ?? user
        }
        while true {
            let result = try await store.auditEvents(matching: query)
            if !result.entries.isEmpty { try await page(result.entries) }
            query.after = result.entries.last?.cursor ?? query.after
            if result.next != nil { continue }
            guard follow, !Task.isCancelled else { return }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
        }
    }
}
