public import JWTAuth
import SQLKit

extension SQLStore: AuditStore {
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await self.run("write the audit log") { db in
            var insert = db.insert(into: "jwtauth_audit")
                .columns("at", "event", "user_id", "session_id", "client_id", "key_id", "client_address", "user_agent", "outcome")
            for event in events {
                insert = insert.values(
                    event.time.secondsSinceEpoch,
                    event.kind.rawValue,
                    event.userID,
                    event.sessionID,
                    event.clientID,
                    event.keyID,
                    event.clientAddress,
                    event.userAgent,
                    event.outcome
                )
            }
            try await insert.run()
        }
    }

    public func auditEvents(matching query: AuditQuery) async throws -> AuditPage {
        try await self.run("read the audit log") { db in
            let select = db.select()
                .columns("seq", "at", "event", "user_id", "session_id", "client_id", "key_id", "client_address", "user_agent", "outcome")
                .from("jwtauth_audit")
                .where("seq", .greaterThan, query.after?.sequence ?? 0)
            if let userID = query.userID { select.where("user_id", .equal, userID) }
            if let kind = query.kind { select.where("event", .equal, kind.rawValue) }
            if let since = query.since { select.where("at", .greaterThanOrEqual, since.secondsSinceEpoch) }
            let rows = try await select.orderBy("seq").limit(query.limit).all()
            let entries = try rows.map { row -> AuditEntry in
                func optional(_ column: String) throws -> String? { try row.decodeNil(column: column) ? nil : try row.decode(column: column, as: String.self) }
                let event = AuditEvent(
                    time: NumericDate(secondsSinceEpoch: try row.decode(column: "at", as: Double.self)),
                    kind: AuditEventKind(rawValue: try row.decode(column: "event", as: String.self)),
                    userID: try optional("user_id"),
                    sessionID: try optional("session_id"),
                    clientID: try optional("client_id"),
                    keyID: try optional("key_id"),
                    clientAddress: try optional("client_address"),
                    userAgent: try optional("user_agent"),
                    outcome: try row.decode(column: "outcome", as: String.self)
                )
                return AuditEntry(cursor: AuditCursor(sequence: try row.decode(column: "seq", as: Int64.self)), event: event)
            }
            return AuditPage(entries: entries, query: query)
        }
    }

    public func pruneAuditEvents(before cutoff: NumericDate) async throws -> Int {
        try await self.run("prune the audit log") { db in
            try await db.raw("DELETE FROM jwtauth_audit WHERE at < \(bind: cutoff.secondsSinceEpoch) RETURNING seq").all().count
        }
    }
}
