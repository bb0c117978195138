/// The audit log of a library user who keeps none: events are dropped.
public struct DiscardingAuditLog: AuditLog {
    /// Creates the log.
    public init() {}
    /// Drops the event.
    public func record(_ event: AuditEvent) {}
}
