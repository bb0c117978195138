/// Where a ``RemoteRevocations`` reader finds the issuer's revocation feed, how it signs in,
/// and when it stops trusting its view.
///
/// The client is a machine client of the issuer with the scope `revocations:read`
/// (`jwtauth clients add NAME --scope revocations:read`). The defaults are the ones to run
/// with; the time limits and sizes are settable mainly for tests.
public struct RemoteRevocationsConfiguration: Sendable, Hashable {
    /// The issuer. Its RFC 8414 metadata names the token endpoint and the feed, unless both
    /// are configured; its `issuer` member must be exactly this string.
    public var issuer: String
    /// The client id of the client-credentials grant.
    public var clientID: String
    /// The client secret. Sent only to the token endpoint, never logged.
    public var clientSecret: String
    /// The scope asked for (default `revocations:read`).
    public var scope: String
    /// The token endpoint; nil takes `token_endpoint` from the metadata.
    public var tokenEndpoint: String?
    /// The feed; nil takes `revocation_feed_endpoint` from the metadata, or
    /// `ISSUER/oauth/revocations` when the metadata has none.
    public var feedEndpoint: String?
    /// How long the reader may hear nothing at all — no event, no heartbeat — before verifiers
    /// refuse every token with `revocations_stale` (default 60 s). Also stale from the start
    /// until the feed's first `ready`. Zero turns staleness off: revoked tokens are then
    /// accepted until they expire whenever the feed is down (logged as a warning at start).
    public var staleLimit: Duration
    /// How long a revocation is kept (default 1 h). It must be at least the issuer's
    /// access-token lifetime plus its leeway (5 min + 60 s by default): a shorter retention
    /// forgets revocations of tokens that are still alive.
    public var retention: Duration
    /// How long a connection may stay silent before it is dropped and opened again (default
    /// 45 s: three missed heartbeats of the issuer's default 15 s).
    public var reconnectAfterSilence: Duration
    /// The time limit of one HTTP exchange: metadata, token, and the feed's answer head
    /// (default 5 s). The feed's body is a stream and has none.
    public var requestTimeout: Duration
    /// The largest metadata or token answer read (default 64 KiB).
    public var maximumResponseBytes: Int
    /// The longest line of the feed (default 16 KiB); a longer one drops the connection.
    public var maximumLineBytes: Int
    /// The largest event's data (default 64 KiB); a larger one drops the connection.
    public var maximumEventBytes: Int
    /// The first delay before reconnecting after a failure (default 500 ms); it doubles with
    /// each failure, up to ``maximumRetryDelay``.
    public var initialRetryDelay: Duration
    /// The longest delay before reconnecting (default 10 s).
    public var maximumRetryDelay: Duration
    /// How often a connection looks at its clock for token renewal and silence (default 1 s).
    public var checkInterval: Duration

    /// Creates a configuration with the defaults.
    public init(issuer: String, clientID: String, clientSecret: String) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = "revocations:read"
        self.tokenEndpoint = nil
        self.feedEndpoint = nil
        self.staleLimit = .seconds(60)
        self.retention = .seconds(3600)
        self.reconnectAfterSilence = .seconds(45)
        self.requestTimeout = .seconds(5)
        self.maximumResponseBytes = 64 * 1024
        self.maximumLineBytes = 16 * 1024
        self.maximumEventBytes = 64 * 1024
        self.initialRetryDelay = .milliseconds(500)
        self.maximumRetryDelay = .seconds(10)
        self.checkInterval = .seconds(1)
    }
}

extension RemoteRevocationsConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The configuration without the client secret.
    public var description: String {
        "RemoteRevocationsConfiguration(issuer: \(self.issuer), clientID: \(self.clientID), clientSecret: <redacted>, staleLimit: \(self.staleLimit))"
    }

    /// The same as ``description``: `debugPrint` and `String(reflecting:)` never show the
    /// secret.
    public var debugDescription: String { self.description }

    /// Every property, the client secret redacted, so that `dump` and debuggers never show it.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "issuer": self.issuer,
                "clientID": self.clientID,
                "clientSecret": "<redacted>",
                "scope": self.scope,
                "tokenEndpoint": self.tokenEndpoint as Any,
                "feedEndpoint": self.feedEndpoint as Any,
                "staleLimit": self.staleLimit,
                "retention": self.retention,
                "reconnectAfterSilence": self.reconnectAfterSilence,
                "requestTimeout": self.requestTimeout,
                "maximumResponseBytes": self.maximumResponseBytes,
                "maximumLineBytes": self.maximumLineBytes,
                "maximumEventBytes": self.maximumEventBytes,
                "initialRetryDelay": self.initialRetryDelay,
                "maximumRetryDelay": self.maximumRetryDelay,
                "checkInterval": self.checkInterval,
            ],
            displayStyle: .struct
        )
    }
}
