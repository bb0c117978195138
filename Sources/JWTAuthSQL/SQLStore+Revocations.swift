public import JWTAuth
import SQLKit

extension SQLStore {
    /// The channel PostgreSQL notifies revocations on.
    static let notificationChannel = "jwtauth_revocations"

    /// The key of the transaction-level advisory lock that orders revocation log writers.
    static let revocationLogLock: Int64 = 0x6A77_7461_7574_6852  // "jwtauthR"

    /// Appends `event` to the revocation log, inside the caller's transaction.
    ///
    /// On PostgreSQL a sequence value is handed out when the row is inserted, not when it
    /// commits: a transaction that took id 7 and commits after one that took id 8 would let a
    /// reader move its cursor past 8 before 7 became visible, and 7 would never be read. The
    /// advisory lock, held until this transaction ends, lets one writer at a time hand out ids,
    /// so ids become visible in order. Writers only append here after their row updates, so the
    /// lock is always the last one a transaction takes and two writers cannot deadlock on it.
    static func logRevocation(_ db: any SQLDatabase, _ event: RevocationEvent) async throws {
        if db.dialect.name == "postgresql" {
            try await db.raw("SELECT pg_advisory_xact_lock(\(bind: Self.revocationLogLock))").run()
        }
        try await db.raw(
            """
            INSERT INTO jwtauth_revocations (kind, subject, at)
            VALUES (\(bind: event.kind.rawValue), \(bind: event.subject), \(bind: event.at.secondsSinceEpoch))
            """
        ).run()
        if db.dialect.name == "postgresql" {
            // Delivered to every listener when the transaction commits, never before.
            try await db.raw("SELECT pg_notify(\(bind: Self.notificationChannel), \(bind: Self.encode(event)))").run()
        }
    }

    static func encode(_ event: RevocationEvent) -> String {
        JSONValue.object([
            "kind": .string(event.kind.rawValue),
            "subject": .string(event.subject),
            "at": .double(event.at.secondsSinceEpoch),
        ]).jsonString
    }

    static func decodeEvent(_ payload: String) -> RevocationEvent? {
        guard let object = try? JSONValue(parsing: payload).objectValue,
            let kind = object["kind"]?.stringValue.flatMap(RevocationEvent.Kind.init(rawValue:)),
            let subject = object["subject"]?.stringValue,
            let at = object["at"]?.doubleValue
        else { return nil }
        return RevocationEvent(kind: kind, subject: subject, at: NumericDate(secondsSinceEpoch: at))
    }

    public func revocations(after cursor: RevocationCursor?) async throws -> RevocationBatch {
        let after = cursor.flatMap { Int64($0.value) } ?? 0
        return try await self.run("read revocations") { db in
            let rows = try await db.raw(
                "SELECT seq, kind, subject, at FROM jwtauth_revocations WHERE seq > \(bind: after) ORDER BY seq LIMIT 10000"
            ).all()
            var entries: [RevocationLogEntry] = []
            var last = after
            for row in rows {
                last = try row.decode(column: "seq", as: Int64.self)
                guard let kind = RevocationEvent.Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { continue }
                let event = RevocationEvent(
                    kind: kind,
                    subject: try row.decode(column: "subject", as: String.self),
                    at: NumericDate(secondsSinceEpoch: try row.decode(column: "at", as: Double.self))
                )
                entries.append(RevocationLogEntry(cursor: RevocationCursor(String(last)), event: event))
            }
            return RevocationBatch(entries: entries, cursor: RevocationCursor(String(last)))
        }
    }

    /// PostgreSQL pushes revocations with LISTEN/NOTIFY; SQLite has no push channel, and the
    /// engine polls ``revocations(after:)``.
    public func revocationFeed() -> AsyncStream<RevocationFeedMessage>? {
        self.backend.revocationFeed()
    }
}
