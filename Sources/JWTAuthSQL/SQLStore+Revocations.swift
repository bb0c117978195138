public import JWTAuth
import SQLKit

extension SQLStore {
    static func logRevocation(_ db: any SQLDatabase, _ event: RevocationEvent) async throws {
        try await db.raw(
            """
            INSERT INTO jwtauth_revocations (kind, subject, at)
            VALUES (\(bind: event.kind.rawValue), \(bind: event.subject), \(bind: event.at.secondsSinceEpoch))
            """
        ).run()
    }

    public func revocations(after cursor: RevocationCursor?) async throws -> RevocationBatch {
        let after = cursor.flatMap { Int64($0.value) } ?? 0
        return try await self.run("read revocations") { db in
            let rows = try await db.raw(
                "SELECT seq, kind, subject, at FROM jwtauth_revocations WHERE seq > \(bind: after) ORDER BY seq LIMIT 10000"
            ).all()
            var events: [RevocationEvent] = []
            var last = after
            for row in rows {
                last = try row.decode(column: "seq", as: Int64.self)
                guard let kind = RevocationEvent.Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { continue }
                events.append(
                    RevocationEvent(
                        kind: kind,
                        subject: try row.decode(column: "subject", as: String.self),
                        at: NumericDate(secondsSinceEpoch: try row.decode(column: "at", as: Double.self))
                    )
                )
            }
            return RevocationBatch(events: events, cursor: RevocationCursor(String(last)))
        }
    }

    /// SQL has no push channel of its own here; the engine polls ``revocations(after:)``.
    public func revocationFeed() -> AsyncStream<RevocationEvent>? { nil }
}
