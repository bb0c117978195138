public import JWTAuth

/// What a ``RemoteRevocations`` reader can say about itself, for a health route.
public struct RemoteRevocationsStatus: Sendable, Hashable {
    /// True when verifiers refuse tokens with `revocations_stale`.
    public var isStale: Bool
    /// Why, when ``isStale`` is true.
    public var staleReason: String?
    /// True while a feed connection is open.
    public var isConnected: Bool
    /// True when the open connection has sent everything the issuer had (`ready`).
    public var hasCaughtUp: Bool
    /// When the reader last heard from a caught-up feed (an event or a heartbeat).
    public var lastHeard: NumericDate?
    /// The feed position the reader resumes from (`Last-Event-ID`).
    public var cursor: String?
    /// The last failure (token refused, feed unreachable, a malformed event, …); nil once a
    /// connection has caught up.
    public var lastError: String?
    /// When ``lastError`` happened.
    public var lastErrorAt: NumericDate?
    /// How many feed connections have been opened.
    public var connections: Int
    /// The configured stale limit (zero: never stale).
    public var staleLimit: Duration
}
