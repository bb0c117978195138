/// Where a request that causes an audit event came from: the client's address and its
/// `User-Agent`. The routes pass it down; administration commands leave it empty.
public struct AuditOrigin: Sendable, Hashable {
    /// The longest `User-Agent` kept, in characters (a session keeps the same).
    public static let userAgentLength = 512

    /// The client's address (after trusted proxies).
    public var clientAddress: String?
    /// The `User-Agent`, cut to ``userAgentLength`` characters.
    public var userAgent: String?

    /// Creates an origin; the user agent is cut to ``userAgentLength`` characters.
    public init(clientAddress: String? = nil, userAgent: String? = nil) {
        self.clientAddress = clientAddress
        self.userAgent = userAgent.map { String($0.prefix(Self.userAgentLength)) }
    }

    /// An event of this origin at `time`.
    func event(
        _ kind: AuditEventKind,
        at time: NumericDate,
        userID: String? = nil,
        sessionID: String? = nil,
        clientID: String? = nil,
        keyID: String? = nil,
        outcome: String = AuditEvent.success
    ) -> AuditEvent {
        AuditEvent(
            time: time,
            kind: kind,
            userID: userID,
            sessionID: sessionID,
            clientID: clientID,
            keyID: keyID,
            clientAddress: self.clientAddress,
            userAgent: self.userAgent,
            outcome: outcome
        )
    }
}
