/// One page of audit events.
public struct AuditPage: Sendable, Hashable {
    /// The events, oldest first.
    public var entries: [AuditEntry]
    /// The cursor to read the next page from; nil when this page was the last.
    public var next: AuditCursor?

    /// Creates a page.
    public init(entries: [AuditEntry], next: AuditCursor?) {
        self.entries = entries
        self.next = next
    }

    /// The page of `entries` read for `query`: a full page may have a successor, a short one
    /// is the last.
    public init(entries: [AuditEntry], query: AuditQuery) {
        self.init(entries: entries, next: entries.count >= query.limit ? entries.last?.cursor : nil)
    }
}
