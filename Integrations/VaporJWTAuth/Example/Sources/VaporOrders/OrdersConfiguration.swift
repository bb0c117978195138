/// What the orders service is told: the token server it trusts and its feed credentials.
public struct OrdersConfiguration: Sendable {
    /// The token server's issuer URL (`jwtauth serve --issuer`, or `http://HOST:PORT`).
    public var issuer: String
    /// The `aud` the tokens must carry; the issuer by default, as `jwtauth serve` issues them.
    public var audience: String?
    /// This service's client id for the revocation feed (`jwtauth clients add orders --scope
    /// revocations:read`); nil runs without the feed, and then a revoked token is accepted
    /// until it expires.
    public var clientID: String?
    /// The client's secret.
    public var clientSecret: String?

    /// Creates a configuration; each parameter sets the property of the same name.
    public init(issuer: String, audience: String? = nil, clientID: String? = nil, clientSecret: String? = nil) {
        self.issuer = issuer
        self.audience = audience
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}
