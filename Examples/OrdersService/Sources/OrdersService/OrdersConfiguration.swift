/// What the orders service is told on its command line.
public struct OrdersConfiguration: Sendable {
    /// The token server's issuer URL (`jwtauth serve --issuer`, or `http://HOST:PORT`).
    public var issuer: String
    /// The `aud` the tokens must carry; the issuer by default, as `jwtauth serve` issues them.
    public var audience: String?
    /// The address to listen on.
    public var host: String
    /// The port to listen on (0 picks a free one).
    public var port: Int
    /// This service's client id for the revocation feed (`jwtauth clients add orders
    /// --scope revocations:read`); nil runs without the feed, and then a revoked token is
    /// accepted until it expires.
    public var clientID: String?
    /// The client's secret, read from a file at start.
    public var clientSecret: String?

    /// Creates a configuration; each parameter sets the property of the same name.
    public init(issuer: String, audience: String? = nil, host: String = "127.0.0.1", port: Int = 8082, clientID: String? = nil, clientSecret: String? = nil) {
        self.issuer = issuer
        self.audience = audience
        self.host = host
        self.port = port
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}
