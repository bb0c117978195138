/// Where the audit log is kept: the SQL database (also when sessions are in Redis), or memory.
///
/// Append-only: events are added in batches and read in the order they were stored; the
/// only deletion is pruning past the retention.
public protocol AuditStore: Sendable {
    /// Stores events, in order, in one batch.
    func appendAuditEvents(_ events: [AuditEvent]) async throws

    /// Stored events that match the query, oldest first, with the cursor of the last one
    /// when more may follow.
    func auditEvents(matching query: AuditQuery) async throws -> AuditPage

    /// Deletes the events that happened before `cutoff`; returns how many.
    @discardableResult
    func pruneAuditEvents(before cutoff: NumericDate) async throws -> Int
}
