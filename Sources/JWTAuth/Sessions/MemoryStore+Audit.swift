import Synchronization

extension MemoryStore: AuditStore {
    /// Appends the events with the next sequence numbers.
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        self.auditRecords.withLock { log in
            for event in events {
                log.entries.append(AuditEntry(cursor: AuditCursor(sequence: log.nextSequence), event: event))
                log.nextSequence += 1
            }
        }
    }

    /// The matching events, oldest first.
    public func auditEvents(matching query: AuditQuery) async throws -> AuditPage {
        let after = query.after?.sequence ?? 0
        let entries = self.auditRecords.withLock { log in
            Array(
                log.entries.lazy.filter { entry in
                    entry.cursor.sequence > after
                        && (query.userID == nil || entry.event.userID == query.userID)
                        && (query.kind == nil || entry.event.kind == query.kind)
                        && (query.since.map { entry.event.time >= $0 } ?? true)
                }
                .prefix(query.limit)
            )
        }
        return AuditPage(entries: entries, query: query)
    }

    /// Deletes the events before `cutoff`.
    public func pruneAuditEvents(before cutoff: NumericDate) async throws -> Int {
        self.auditRecords.withLock { log in
            let count = log.entries.count
            log.entries.removeAll { $0.event.time < cutoff }
            return count - log.entries.count
        }
    }
}
