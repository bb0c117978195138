/// Which audit events to read: every filter given must match.
public struct AuditQuery: Sendable, Hashable {
    /// The largest page a caller may ask for.
    public static let maximumLimit = 1000

    /// Only this user's events.
    public var userID: String?
    /// Only events of this kind.
    public var kind: AuditEventKind?
    /// Only events at or after this time.
    public var since: NumericDate?
    /// Only events stored after this position (the `next` of the previous page).
    public var after: AuditCursor?
    /// At most this many events (1 to ``maximumLimit``).
    public var limit: Int

    /// Creates a query; the default reads the first 100 events.
    public init(userID: String? = nil, kind: AuditEventKind? = nil, since: NumericDate? = nil, after: AuditCursor? = nil, limit: Int = 100) {
        self.userID = userID
        self.kind = kind
        self.since = since
        self.after = after
        self.limit = min(max(limit, 1), Self.maximumLimit)
    }
}
