/// Where the session engine, the account manager and the administration commands report
/// security events.
///
/// ``record(_:)`` is called on the request path (a login, a refresh), so it must not wait for
/// a store: ``AuditRecorder`` queues and writes in the background.
public protocol AuditLog: Sendable {
    /// Takes an event; never blocks on I/O and never throws.
    func record(_ event: AuditEvent)
}
