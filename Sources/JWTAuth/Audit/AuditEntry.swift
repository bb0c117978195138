/// A stored audit event with its position in the log.
public struct AuditEntry: Sendable, Hashable {
    /// Where it is: reading after it continues with the next event.
    public var cursor: AuditCursor
    /// The event.
    public var event: AuditEvent

    /// Creates an entry.
    public init(cursor: AuditCursor, event: AuditEvent) {
        self.cursor = cursor
        self.event = event
    }
}
